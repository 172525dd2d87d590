"""The platform ids of recent messages in a person's chat, so /hide can delete them.

Kept encrypted and for 48 hours at most (Telegram lets a bot delete messages only that long), and removed by
/forget with everything else.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.storage.contacts import to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Database

KEEP_FOR = timedelta(hours=48)


class RecentMessages:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    async def add(self, contact_id: int, message_ids: list[str], now: datetime) -> None:
        if not message_ids:
            return
        async with self.db.tx() as conn:
            await conn.executemany("INSERT INTO recent_messages (contact_id, message, at) VALUES (?, ?, ?)",
                                   [(contact_id, self.vault.encrypt(m), to_ts(now)) for m in message_ids])

    async def take(self, contact_id: int, now: datetime) -> list[str]:
        """The person's message ids younger than 48 hours, newest first; they are removed as they are read."""
        rows = await self.db.fetchall(
            "SELECT message FROM recent_messages WHERE contact_id = ? AND at > ? ORDER BY at DESC, id DESC",
            (contact_id, to_ts(now - KEEP_FOR)),
        )
        await self.db.execute("DELETE FROM recent_messages WHERE contact_id = ?", (contact_id,))
        return list(dict.fromkeys(self.vault.decrypt(r["message"]) for r in rows))

    async def prune(self, now: datetime) -> int:
        return await self.db.execute("DELETE FROM recent_messages WHERE at <= ?", (to_ts(now - KEEP_FOR),))
