"""Mood check-ins: a number from 1 to 5 and, only for people who keep notes, an encrypted word."""

from __future__ import annotations

from datetime import datetime

from bot.core.domain import MAX_NOTE_CHARS as MAX_NOTE_CHARS
from bot.core.domain import CheckInRecord as CheckInRecord
from bot.storage.contacts import from_ts, to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Database


class CheckIns:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    async def add(self, contact_id: int, mood: int, at: datetime) -> int:
        return await self.db.insert(
            "INSERT INTO checkins (contact_id, at, mood) VALUES (?, ?, ?)", (contact_id, to_ts(at), mood)
        )

    async def set_note(self, contact_id: int, checkin_id: int, note: str) -> bool:
        """Attach a note to the person's own check-in; False when it no longer exists."""
        changed = await self.db.execute(
            "UPDATE checkins SET note = ? WHERE id = ? AND contact_id = ?",
            (self.vault.encrypt(note[:MAX_NOTE_CHARS]), checkin_id, contact_id),
        )
        return changed == 1

    async def since(self, contact_id: int, since: datetime) -> list[CheckInRecord]:
        """The person's check-ins from `since` on, oldest first."""
        rows = await self.db.fetchall(
            "SELECT id, at, mood, note FROM checkins WHERE contact_id = ? AND at >= ? ORDER BY at, id",
            (contact_id, to_ts(since)),
        )
        return [CheckInRecord(r["id"], from_ts(r["at"]), r["mood"], self.vault.decrypt_optional(r["note"]))
                for r in rows]

    async def latest(self, contact_id: int, count: int) -> list[CheckInRecord]:
        """The person's last `count` check-ins, newest first."""
        rows = await self.db.fetchall(
            "SELECT id, at, mood, note FROM checkins WHERE contact_id = ? ORDER BY at DESC, id DESC LIMIT ?",
            (contact_id, count),
        )
        return [CheckInRecord(r["id"], from_ts(r["at"]), r["mood"], self.vault.decrypt_optional(r["note"]))
                for r in rows]
