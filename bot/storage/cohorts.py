"""Cohorts (one workshop's group) and their members. Names are encrypted; join codes are not personal data."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from bot.core.domain import MAX_NAME_CHARS as MAX_NAME_CHARS
from bot.core.domain import Cohort as Cohort
from bot.core.domain import CohortStatus as CohortStatus
from bot.storage.contacts import to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Database, Row

# No 0/O, 1/I/L: codes are read off a screen and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_code(length: int = CODE_LENGTH) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalise_code(text: str) -> str:
    return text.strip().upper().replace("-", "").replace(" ", "")


_SELECT = ("SELECT c.*, (SELECT COUNT(*) FROM cohort_members m WHERE m.cohort_id = c.id) AS members"
           " FROM cohorts c")


class Cohorts:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    def _row(self, row: Row) -> Cohort:
        return Cohort(
            id=row["id"], owner_id=row["owner_id"], name=self.vault.decrypt(row["name"]), code=row["code"],
            workshop_date=date.fromisoformat(row["workshop_date"]), language=row["language"],
            timezone=row["timezone"], status=CohortStatus(row["status"]), members=row["members"],
        )

    async def create(self, owner_id: int, name: str, workshop_date: date, language: str, timezone: str,
                     now: datetime) -> Cohort:
        """Create an open cohort with a fresh join code (drawn again on the rare collision)."""
        for _ in range(5):
            row = await self.db.fetchone(
                "INSERT INTO cohorts (owner_id, name, code, workshop_date, language, timezone, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO NOTHING RETURNING id",
                (owner_id, self.vault.encrypt(name[:MAX_NAME_CHARS]), new_code(),
                 workshop_date.isoformat(), language, timezone, to_ts(now)),
            )
            if row is None:
                continue
            new_id = int(row[0])
            cohort = await self.get(new_id)
            assert cohort is not None
            return cohort
        raise RuntimeError("could not draw a unique join code")

    async def _one(self, where: str, value: object) -> Cohort | None:
        async with self.db.tx() as conn, conn.execute(f"{_SELECT} WHERE {where} = ?", (value,)) as cursor:
            row = await cursor.fetchone()
        return self._row(row) if row else None

    async def get(self, cohort_id: int) -> Cohort | None:
        return await self._one("c.id", cohort_id)

    async def by_code(self, code: str) -> Cohort | None:
        return await self._one("c.code", normalise_code(code))

    async def _many(self, sql: str, *params: object) -> list[Cohort]:
        async with self.db.tx() as conn, conn.execute(sql, params) as cursor:
            rows = await cursor.fetchall()
        return [self._row(row) for row in rows]

    async def owned_by(self, owner_id: int) -> list[Cohort]:
        """The facilitator's cohorts, open ones first, newest workshop first."""
        return await self._many(f"{_SELECT} WHERE c.owner_id = ? ORDER BY c.status = 'closed',"
                                " c.workshop_date DESC, c.id DESC", owner_id)

    async def memberships(self, contact_id: int) -> list[Cohort]:
        return await self._many(f"{_SELECT} JOIN cohort_members j ON j.cohort_id = c.id"
                                " WHERE j.contact_id = ? ORDER BY c.workshop_date DESC, c.id", contact_id)

    async def open_since(self, earliest: date) -> list[Cohort]:
        """Open cohorts whose workshop is on or after `earliest`: those whose plan may still have steps ahead."""
        return await self._many(f"{_SELECT} WHERE c.status = 'open' AND c.workshop_date >= ?",
                                earliest.isoformat())

    async def set_date(self, cohort_id: int, workshop_date: date) -> None:
        async with self.db.tx() as conn:
            await conn.execute("UPDATE cohorts SET workshop_date = ? WHERE id = ?",
                               (workshop_date.isoformat(), cohort_id))

    async def close(self, cohort_id: int) -> None:
        async with self.db.tx() as conn:
            await conn.execute("UPDATE cohorts SET status = 'closed' WHERE id = ?", (cohort_id,))

    async def join(self, cohort_id: int, contact_id: int, now: datetime) -> bool:
        """Add a member; False when they were one already (joining twice is harmless)."""
        async with self.db.tx() as conn:
            cursor = await conn.execute(
                "INSERT INTO cohort_members (cohort_id, contact_id, joined_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING", (cohort_id, contact_id, to_ts(now)),
            )
            added = cursor.rowcount == 1
            await cursor.close()
        return added

    async def leave(self, cohort_id: int, contact_id: int) -> bool:
        async with self.db.tx() as conn:
            cursor = await conn.execute("DELETE FROM cohort_members WHERE cohort_id = ? AND contact_id = ?",
                                        (cohort_id, contact_id))
            left = cursor.rowcount == 1
            await cursor.close()
        return left

    async def member_zones(self, cohort_id: int, contact_id: int | None = None) -> list[tuple[int, str]]:
        """(contact id, time zone) of the cohort's members who may be written to, or of one of them."""
        sql = ("SELECT p.id, p.timezone FROM cohort_members m JOIN contacts p ON p.id = m.contact_id"
               " WHERE m.cohort_id = ? AND p.status = 'active'")
        params: tuple[object, ...] = (cohort_id,)
        if contact_id is not None:
            sql += " AND p.id = ?"
            params += (contact_id,)
        async with self.db.tx() as conn, conn.execute(sql, params) as cursor:
            rows = await cursor.fetchall()
        return [(row[0], row[1]) for row in rows]
