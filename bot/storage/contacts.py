"""Contacts: the people who consented. Addresses are encrypted; look-up is by keyed hash."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from bot.core.domain import Address
from bot.core.domain import Contact as Contact
from bot.core.domain import ContactStatus as ContactStatus
from bot.storage.crypto import Vault
from bot.storage.db import Database, Row


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

    def from_row(self, row: Row, address: Address | None = None) -> Contact:
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
        references = await self.db.references("contacts")
        async with self.db.tx() as conn:
            for table, column in references:
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
        await self.db.checkpoint(("contacts", *counts))
        return {"contacts": 1, **counts}

