"""Cohort figures for facilitators: counts and averages only, each with how many people it comes from.

Nothing here returns a row about one person. Every figure is a Cell that knows its number of contributors,
and `Cell.shown` hides it unless at least K_MIN people contribute (k-anonymity), so no one can be picked out.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.domain import EMPTY as EMPTY
from bot.core.domain import K_MIN as K_MIN
from bot.core.domain import Cell as Cell
from bot.core.domain import CohortStats as CohortStats
from bot.core.domain import Week as Week
from bot.storage.contacts import to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Database

WEEK = timedelta(days=7)
WEEKS = 8
MOOD_DAYS = 30


_MEMBERS = "SELECT contact_id FROM cohort_members WHERE cohort_id = ?"


class Stats:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    async def cohort(self, cohort_id: int, now: datetime) -> CohortStats:
        members = await self.db.fetchone("SELECT COUNT(*) FROM cohort_members WHERE cohort_id = ?", (cohort_id,))
        active_7 = await self._active(cohort_id, now - WEEK)
        active_30 = await self._active(cohort_id, now - timedelta(days=30))
        checkins = await self._weekly("checkins", "AVG(t.mood)", cohort_id, now)
        exercises = await self._weekly("completions", "0", cohort_id, now)
        weeks = []
        for index in reversed(range(WEEKS)):
            count, mood = checkins.get(index, (EMPTY, EMPTY))
            done, _ = exercises.get(index, (EMPTY, EMPTY))
            weeks.append(Week(index, now - WEEK * index, count, done, mood))
        moods, mood_people = await self._moods(cohort_id, now - timedelta(days=MOOD_DAYS))
        return CohortStats(int(members[0]) if members else 0, active_7, active_30, tuple(weeks), moods,
                           mood_people)

    async def _active(self, cohort_id: int, since: datetime) -> Cell:
        """Members who wrote to the bot, checked in or finished an exercise since `since`."""
        ts = to_ts(since)
        row = await self.db.fetchone(
            f"SELECT COUNT(*) FROM contacts p WHERE p.id IN ({_MEMBERS}) AND (p.last_seen_at >= ?"  # noqa: S608
            " OR EXISTS (SELECT 1 FROM checkins c WHERE c.contact_id = p.id AND c.at >= ?)"
            " OR EXISTS (SELECT 1 FROM completions x WHERE x.contact_id = p.id AND x.at >= ?))",
            (cohort_id, ts, ts, ts))
        count = int(row[0]) if row else 0
        return Cell(count, count)

    async def _weekly(self, table: str, average: str, cohort_id: int, now: datetime) -> dict[int, tuple[Cell, Cell]]:
        """{week index: (number of rows, average)}, each Cell with the week's distinct contributors."""
        end, week = to_ts(now), int(WEEK.total_seconds())
        rows = await self.db.fetchall(
            f"SELECT (? - t.at) / ? AS week, COUNT(*), COUNT(DISTINCT t.contact_id), {average}"  # noqa: S608
            f" FROM {table} t WHERE t.contact_id IN ({_MEMBERS}) AND t.at <= ? AND t.at > ? GROUP BY week",
            (end, week, cohort_id, end, end - week * WEEKS))
        return {int(r[0]): (Cell(int(r[1]), int(r[2])), Cell(float(r[3] or 0), int(r[2]))) for r in rows}

    async def _moods(self, cohort_id: int, since: datetime) -> tuple[tuple[int, ...], int]:
        rows = await self.db.fetchall(
            f"SELECT mood, COUNT(*) FROM checkins WHERE contact_id IN ({_MEMBERS}) AND at >= ? GROUP BY mood",  # noqa: S608
            (cohort_id, to_ts(since)))
        people = await self.db.fetchone(
            f"SELECT COUNT(DISTINCT contact_id) FROM checkins WHERE contact_id IN ({_MEMBERS}) AND at >= ?",  # noqa: S608
            (cohort_id, to_ts(since)))
        counts = {int(r[0]): int(r[1]) for r in rows}
        return tuple(counts.get(level, 0) for level in range(1, 6)), int(people[0]) if people else 0
