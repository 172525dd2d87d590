"""Where each person is in a conversation, so a restart resumes mid-exercise."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.core.domain import Conversation as Conversation
from bot.core.domain import Offered
from bot.storage.contacts import to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Database

OFFERED_KEY = "_offered"
ASKED_KEY = "_asked"


class Conversations:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    async def get(self, contact_id: int) -> Conversation:
        row = await self.db.fetchone("SELECT state, data FROM conversations WHERE contact_id = ?", (contact_id,))
        return self.from_columns(row["state"], row["data"]) if row else Conversation()

    def from_columns(self, state: str | None, data: bytes | None) -> Conversation:
        """A Conversation from its stored state and encrypted data (no state: none under way)."""
        if state is None:
            return Conversation()
        loaded = json.loads(self.vault.decrypt(data)) if data else {}
        offered = tuple((str(k), str(label), str(means)) for k, label, means in loaded.pop(OFFERED_KEY, []))
        return Conversation(state, loaded, offered, str(loaded.pop(ASKED_KEY, "")))

    async def set(self, contact_id: int, state: str, data: dict[str, Any], now: datetime,
                  offered: Offered = (), asked: str = "") -> None:
        stored = {**data, OFFERED_KEY: [list(choice) for choice in offered], ASKED_KEY: asked} if offered else data
        blob = self.vault.encrypt(json.dumps(stored)) if stored else None
        await self.db.execute(
            "INSERT INTO conversations (contact_id, state, data, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (contact_id) DO UPDATE SET state = excluded.state, data = excluded.data,"
            " updated_at = excluded.updated_at",
            (contact_id, state, blob, to_ts(now)),
        )

    async def clear(self, contact_id: int) -> None:
        await self.db.execute("DELETE FROM conversations WHERE contact_id = ?", (contact_id,))
