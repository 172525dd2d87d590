"""The buttons of the latest proactive message a person was shown, so a typed answer to it works.

Only the choices (key, label, meaning) are kept, never the message's text: no more than a conversation keeps
of a reply's buttons. Encrypted, one row per person, expiring after 7 days, and gone with /forget.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.core.domain import Offered, Prompt
from bot.storage.contacts import from_ts, to_ts
from bot.storage.crypto import DecryptError, Vault
from bot.storage.db import Database

KEEP_FOR = timedelta(days=7)  # an older message's buttons are no longer what the person is answering


class Prompts:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    async def remember(self, contact_id: int, offered: Offered, now: datetime) -> None:
        """Keep these choices as the person's latest proactive buttons (replacing earlier ones)."""
        if not offered:
            return
        blob = self.vault.encrypt(json.dumps([list(choice) for choice in offered], ensure_ascii=False))
        await self.db.execute(
            "INSERT INTO prompts (contact_id, data, expires_at) VALUES (?, ?, ?)"
            " ON CONFLICT (contact_id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
            (contact_id, blob, to_ts(now + KEEP_FOR)))

    def from_columns(self, data: bytes | None, expires_at: int | None) -> Prompt | None:
        """A Prompt from its stored columns (None when there is none, or it cannot be read)."""
        if data is None or expires_at is None:
            return None
        try:
            loaded = json.loads(self.vault.decrypt(bytes(data)))
        except (DecryptError, ValueError):
            return None
        offered = tuple((str(k), str(label), str(means)) for k, label, means in loaded)
        return Prompt(offered, from_ts(int(expires_at)))

    async def get(self, contact_id: int, now: datetime) -> Prompt | None:
        row = await self.db.fetchone("SELECT data, expires_at FROM prompts WHERE contact_id = ? AND expires_at > ?",
                                     (contact_id, to_ts(now)))
        return self.from_columns(row["data"], row["expires_at"]) if row else None

    async def drop(self, contact_id: int, until: datetime | None = None) -> None:
        """Forget the buttons; with `until`, only those read earlier (a newer proactive message's stay)."""
        if until is None:
            await self.db.execute("DELETE FROM prompts WHERE contact_id = ?", (contact_id,))
        else:
            await self.db.execute("DELETE FROM prompts WHERE contact_id = ? AND expires_at <= ?",
                                  (contact_id, to_ts(until)))

    async def prune(self, now: datetime) -> int:
        return await self.db.execute("DELETE FROM prompts WHERE expires_at <= ?", (to_ts(now),))
