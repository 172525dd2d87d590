"""Contacts: the people who consented. Addresses are encrypted; look-up is by keyed hash."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import aiosqlite

from bot.core.messages import Address
from bot.storage.crypto import Vault
from bot.storage.db import Database


class ContactStatus(StrEnum):
    ACTIVE = "active"
    STOPPED = "stopped"  # said /stop: nothing proactive until /start
    BLOCKED = "blocked"  # the platform says the bot cannot reach them


@dataclass(frozen=True, slots=True)
class Contact:
    id: int
    address: Address
    language: str
    timezone: str
    status: ContactStatus
    keep_notes: bool
    silent: bool
    is_facilitator: bool
    consented_at: datetime
    last_seen_at: datetime
    discreet: bool = False  # every proactive message is a plain greeting (chosen after /hide)


def to_ts(when: datetime) -> int:
    return int(when.timestamp())


def from_ts(value: int) -> datetime:
    return datetime.fromtimestamp(value, UTC)


_UPDATABLE = {"language", "timezone", "status", "keep_notes", "silent", "is_facilitator", "discreet"}


class Contacts:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    def lookup_key(self, address: Address) -> bytes:
        return self.vault.lookup(f"{address.channel}:{address.id}")

    def from_row(self, row: aiosqlite.Row, address: Address | None = None) -> Contact:
        """A Contact from a contacts row; pass the address when it is known, to skip decrypting it."""
        return Contact(
            id=row["id"],
            address=address or Address(row["channel"], self.vault.decrypt(row["address"])),
            language=row["language"],
            timezone=row["timezone"],
            status=ContactStatus(row["status"]),
            keep_notes=bool(row["keep_notes"]),
            silent=bool(row["silent"]),
            is_facilitator=bool(row["is_facilitator"]),
            consented_at=from_ts(row["consented_at"]),
            last_seen_at=from_ts(row["last_seen_at"]),
            discreet=bool(row["discreet"]),
        )

    async def find(self, address: Address) -> Contact | None:
        row = await self.db.fetchone("SELECT * FROM contacts WHERE lookup = ?", (self.lookup_key(address),))
        return self.from_row(row, address) if row else None

    async def get(self, contact_id: int) -> Contact | None:
        row = await self.db.fetchone("SELECT * FROM contacts WHERE id = ?", (contact_id,))
        return self.from_row(row) if row else None

    async def create(self, address: Address, language: str, timezone: str, now: datetime) -> Contact:
        """Record a person at the moment they consent; the first row that names them."""
        await self.db.execute(
            "INSERT INTO contacts (lookup, channel, address, language, timezone, consented_at, last_seen_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (lookup) DO UPDATE SET status = 'active', last_seen_at = excluded.last_seen_at",
            (self.lookup_key(address), address.channel, self.vault.encrypt(address.id), language, timezone,
             to_ts(now), to_ts(now)),
        )
        contact = await self.find(address)
        assert contact is not None
        return contact

    async def update(self, contact_id: int, **fields: Any) -> None:
        unknown = fields.keys() - _UPDATABLE
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}")
        assignments = ", ".join(f"{name} = ?" for name in fields)
        values = [str(v) if isinstance(v, StrEnum) else v for v in fields.values()]
        await self.db.execute(f"UPDATE contacts SET {assignments} WHERE id = ?", (*values, contact_id))  # noqa: S608

    async def touch(self, contact_id: int, now: datetime) -> None:
        await self.db.execute("UPDATE contacts SET last_seen_at = ? WHERE id = ?", (to_ts(now), contact_id))

    async def references(self, contact_id: int) -> dict[str, int]:
        """Count rows in every table that refers to this contact (found through foreign keys)."""
        counts: dict[str, int] = {}
        async with self.db.tx() as conn:
            for table, column in await _contact_references(conn):
                async with conn.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (contact_id,)  # noqa: S608
                ) as cursor:
                    row = await cursor.fetchone()
                if row and row[0]:
                    counts[table] = counts.get(table, 0) + int(row[0])
        return counts

    async def forget(self, contact_id: int) -> dict[str, int]:
        """Delete the contact and, by cascade, every row about them; return what was deleted."""
        counts = await self.references(contact_id)
        await self.db.execute("DELETE FROM contacts WHERE id = ?", (contact_id,))
        await self.db.checkpoint()
        return {"contacts": 1, **counts}


async def _contact_references(conn: aiosqlite.Connection) -> list[tuple[str, str]]:
    async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'") as cursor:
        tables = [row[0] for row in await cursor.fetchall()]
    found = []
    for table in tables:
        async with conn.execute(f"PRAGMA foreign_key_list({table})") as cursor:
            for row in await cursor.fetchall():
                if row["table"] == "contacts":
                    found.append((table, row["from"]))
    return found
