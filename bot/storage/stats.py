"""Cohort figures for facilitators, published once per closed week with differentially private noise.

Why not live counts: exact counts, shares and averages over windows that end "now" let a facilitator who
controls all but one member, or who views before and after someone checks in, or every few minutes while
check-ins age out, read that one person's mood. So figures exist only for **closed** calendar weeks (Monday
to Monday in the cohort's time zone); each week is measured once, the first time anyone asks after it
closed, with noise from OpenDP (bot/storage/noise.py) added to every count, and the noisy result is stored
and never recomputed (table `stats_published`). A repeat view shows the same figures and no two views differ
by one person's doing. Every figure counts people, each person at most once per week (their mood is their
week's average check-in), so one person's whole week moves the publication by at most epsilon = noise.EPSILON.

What is shown is further rounded (`shown_count`, `shown_mood`, `shown_share`) and hidden below K_MIN; both are
computed from the noisy figures only, so they cost no privacy.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.core.domain import COUNT_STEP as COUNT_STEP
from bot.core.domain import K_MIN as K_MIN
from bot.core.domain import LEVELS, at_local, local_now
from bot.core.domain import MOOD_STEP as MOOD_STEP
from bot.core.domain import RECENT_WEEKS as RECENT_WEEKS
from bot.core.domain import SHARE_STEP as SHARE_STEP
from bot.core.domain import WEEKS as WEEKS
from bot.core.domain import CohortStats as CohortStats
from bot.core.domain import SupportCounts as SupportCounts
from bot.core.domain import WeekFigures as WeekFigures
from bot.core.domain import shown_count as shown_count
from bot.core.domain import shown_mood as shown_mood
from bot.core.domain import shown_shares as shown_shares
from bot.storage.contacts import to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Database
from bot.storage.noise import noisy_count, noisy_histogram


def week_start(day: date) -> date:
    """The Monday of the week that holds `day`."""
    return day - timedelta(days=day.weekday())


_MEMBERS = "SELECT contact_id FROM cohort_members WHERE cohort_id = ?"
_COLUMNS = ("active", "checked_in", "exercised", *(f"mood_{level}" for level in range(1, LEVELS + 1)), "asked",
            "answered", "unmatched")


class Stats:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    async def cohort(self, cohort_id: int, zone: str, now: datetime) -> CohortStats:
        """The cohort's member count and its published closed weeks, publishing any not published yet."""
        members = await self._members(cohort_id)
        if members < K_MIN:  # nothing is measured (nor any privacy spent) for a cohort this small
            return CohortStats(members, ())
        return CohortStats(members, await self._weeks(cohort_id, zone, now))

    async def support(self, cohorts: list[tuple[int, str]], now: datetime) -> SupportCounts:
        """Peer-support counts over the last RECENT_WEEKS closed weeks of these (cohort id, zone) pairs."""
        asked = answered = unmatched = 0
        for cohort_id, zone in cohorts:
            if await self._members(cohort_id) < K_MIN:
                continue
            for week in (await self._weeks(cohort_id, zone, now))[-RECENT_WEEKS:]:
                asked, answered, unmatched = asked + week.asked, answered + week.answered, unmatched + week.unmatched
        return SupportCounts(asked, answered, unmatched)

    async def _members(self, cohort_id: int) -> int:
        row = await self.db.fetchone("SELECT COUNT(*) FROM cohort_members WHERE cohort_id = ?", (cohort_id,))
        return int(row[0]) if row else 0

    async def _weeks(self, cohort_id: int, zone: str, now: datetime) -> tuple[WeekFigures, ...]:
        created = await self.db.fetchone("SELECT created_at FROM cohorts WHERE id = ?", (cohort_id,))
        if created is None:
            return ()
        current = week_start(local_now(now, zone).date())
        starts = [current - timedelta(weeks=n) for n in range(WEEKS, 0, -1)]
        starts = [start for start in starts if to_ts(at_local(start + timedelta(weeks=1), 0, zone)) > created[0]]
        if not starts:
            return ()
        published = await self._published(cohort_id, starts[0])
        for start in starts:
            if start not in published:
                await self._publish(cohort_id, start, zone, now)
        published = await self._published(cohort_id, starts[0])
        return tuple(published[start] for start in starts if start in published)

    async def _published(self, cohort_id: int, since: date) -> dict[date, WeekFigures]:
        rows = await self.db.fetchall(
            f"SELECT week_start, {', '.join(_COLUMNS)} FROM stats_published"  # noqa: S608
            " WHERE cohort_id = ? AND week_start >= ?", (cohort_id, since.isoformat()))
        found = {}
        for row in rows:
            start = date.fromisoformat(row["week_start"])
            moods = tuple(int(row[f"mood_{level}"]) for level in range(1, LEVELS + 1))
            found[start] = WeekFigures(start, int(row["active"]), int(row["checked_in"]), int(row["exercised"]), moods,
                                       int(row["asked"]), int(row["answered"]), int(row["unmatched"]))
        return found

    async def _publish(self, cohort_id: int, start: date, zone: str, now: datetime) -> None:
        """Measure one closed week, add noise once, and store it; whoever stores first wins, for good."""
        begin, end = to_ts(at_local(start, 0, zone)), to_ts(at_local(start + timedelta(weeks=1), 0, zone))
        active, exercised, moods, support = await self._measure(cohort_id, begin, end)
        values = (noisy_count(active), noisy_count(sum(moods)), noisy_count(exercised), *noisy_histogram(moods),
                  *(noisy_count(value) for value in support))
        await self.db.execute(
            f"INSERT INTO stats_published (cohort_id, week_start, {', '.join(_COLUMNS)}, published_at)"  # noqa: S608
            f" VALUES (?, ?, {', '.join('?' for _ in _COLUMNS)}, ?) ON CONFLICT (cohort_id, week_start) DO NOTHING",
            (cohort_id, start.isoformat(), *values, to_ts(now)))

    async def _measure(self, cohort_id: int, begin: int, end: int
                       ) -> tuple[int, int, tuple[int, ...], tuple[int, int, int]]:
        """The true counts of people for [begin, end): only ever passed straight into the noise."""
        row = await self.db.fetchone(
            f"SELECT COUNT(*) FROM contacts p WHERE p.id IN ({_MEMBERS})"  # noqa: S608
            " AND ((p.last_seen_at >= ? AND p.last_seen_at < ?)"
            " OR EXISTS (SELECT 1 FROM checkins c WHERE c.contact_id = p.id AND c.at >= ? AND c.at < ?)"
            " OR EXISTS (SELECT 1 FROM completions x WHERE x.contact_id = p.id AND x.at >= ? AND x.at < ?))",
            (cohort_id, begin, end, begin, end, begin, end))
        active = int(row[0]) if row else 0
        row = await self.db.fetchone(
            f"SELECT COUNT(DISTINCT contact_id) FROM completions WHERE contact_id IN ({_MEMBERS})"  # noqa: S608
            " AND at >= ? AND at < ?", (cohort_id, begin, end))
        exercised = int(row[0]) if row else 0
        rows = await self.db.fetchall(
            f"SELECT AVG(mood) FROM checkins WHERE contact_id IN ({_MEMBERS}) AND at >= ? AND at < ?"  # noqa: S608
            " GROUP BY contact_id", (cohort_id, begin, end))
        moods = [0] * LEVELS
        for (average,) in rows:
            moods[min(LEVELS, max(1, int(float(average) + 0.5))) - 1] += 1
        row = await self.db.fetchone(
            "SELECT COUNT(DISTINCT r.requester_id),"
            " COUNT(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM support_asks a WHERE a.request_id = r.id"
            " AND a.status = 'accepted') THEN r.requester_id END),"
            " COUNT(DISTINCT CASE WHEN r.status = 'unmatched' THEN r.requester_id END)"
            " FROM support_requests r WHERE r.cohort_id = ? AND r.created_at >= ? AND r.created_at < ?",
            (cohort_id, begin, end))
        support = (0, 0, 0) if row is None else (int(row[0]), int(row[1]), int(row[2]))
        return active, exercised, tuple(moods), support
