"""Moving a journey to another account: a one-time code (only its keyed hash is kept, for 7 days) and the move.

The move re-addresses the person's contact row, so every row that hangs off it (check-ins, reflections,
cohorts, reminders, volunteer status) comes along and nothing about the old address remains.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from bot.core.domain import Address
from bot.storage.cohorts import CODE_ALPHABET
from bot.storage.contacts import Contacts, to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Database
from bot.storage.facilitators import normalise_invite

MOVE_VALID_FOR = timedelta(days=7)
MOVE_GROUPS = 3
MOVE_GROUP_LENGTH = 4
# Rows a brand-new account may hold and still receive a journey: only what /start itself writes.
FRESH_TABLES = frozenset({"conversations", "reminder_settings", "recent_messages", "prompts"})


class JourneyMoves:
    def __init__(self, db: Database, vault: Vault, contacts: Contacts) -> None:
        self.db = db
        self.vault = vault
        self.contacts = contacts

    def _hash(self, code: str) -> bytes:
        return self.vault.lookup("journey-move:" + normalise_invite(code))

    async def new_code(self, contact_id: int, now: datetime) -> tuple[str, datetime]:
        """A fresh code for this person (an earlier one stops working); shown once, never stored."""
        code = "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(MOVE_GROUP_LENGTH))
                        for _ in range(MOVE_GROUPS))
        expires = now + MOVE_VALID_FOR
        await self.db.execute(
            "INSERT INTO journey_moves (contact_id, code_hash, expires_at) VALUES (?, ?, ?)"
            " ON CONFLICT (contact_id) DO UPDATE SET code_hash = excluded.code_hash,"
            " expires_at = excluded.expires_at",
            (contact_id, self._hash(code), to_ts(expires)),
        )
        return code, expires

    async def owner(self, code: str, now: datetime) -> int | None:
        """The contact a valid, unexpired code belongs to, or None."""
        if not normalise_invite(code):
            return None
        row = await self.db.fetchone("SELECT contact_id FROM journey_moves WHERE code_hash = ? AND expires_at > ?",
                                     (self._hash(code), to_ts(now)))
        return int(row[0]) if row else None

    async def is_fresh(self, contact_id: int) -> bool:
        """True when an account holds nothing but what /start wrote: it can give way to a moved journey."""
        return set(await self.contacts.references(contact_id)) <= FRESH_TABLES

    async def move(self, contact_id: int, to: Address, now: datetime) -> None:
        """Give the journey the new address; the code is used up and the old address is gone for good."""
        lookup = self.contacts.lookup_key(to)
        async with self.db.tx() as conn:
            async with conn.execute("SELECT lookup FROM contacts WHERE id = ?", (contact_id,)) as cursor:
                row = await cursor.fetchone()
            await conn.execute("DELETE FROM journey_moves WHERE contact_id = ?", (contact_id,))
            await conn.execute("DELETE FROM recent_messages WHERE contact_id = ?", (contact_id,))
            await conn.execute("DELETE FROM prompts WHERE contact_id = ?", (contact_id,))  # the old chat's buttons
            await conn.execute(
                "UPDATE contacts SET lookup = ?, channel = ?, address = ?, last_seen_at = ?, status = 'active'"
                " WHERE id = ?",
                (lookup, to.channel, self.vault.encrypt(to.id), to_ts(now), contact_id),
            )
            if row is not None:
                # A /report block names the other person by this hash: it follows them to the new address, or a
                # reported person could shed it by moving (and the old address would stay named).
                await conn.execute(
                    "UPDATE support_shields SET other = ? WHERE other = ? AND NOT EXISTS"
                    " (SELECT 1 FROM support_shields s WHERE s.contact_id = support_shields.contact_id"
                    " AND s.other = ?)", (lookup, row[0], lookup))
                await conn.execute("DELETE FROM support_shields WHERE other = ?", (row[0],))
        await self.db.checkpoint()
