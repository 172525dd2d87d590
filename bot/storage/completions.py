"""Completed exercises: the journey. Answers are kept, encrypted, only for people who keep notes."""

from __future__ import annotations

import json
from datetime import datetime

from bot.core.domain import CompletionRecord as CompletionRecord
from bot.storage.contacts import from_ts, to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Database


class Completions:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    async def add(self, contact_id: int, exercise_id: str, stage: str, at: datetime,
                  answers: list[str | None] | None) -> None:
        blob = self.vault.encrypt(json.dumps(answers)) if answers else None
        await self.db.execute(
            "INSERT INTO completions (contact_id, exercise_id, stage, at, answers) VALUES (?, ?, ?, ?, ?)",
            (contact_id, exercise_id, stage, to_ts(at), blob),
        )

    async def for_contact(self, contact_id: int) -> list[CompletionRecord]:
        rows = await self.db.fetchall(
            "SELECT exercise_id, stage, at, answers FROM completions WHERE contact_id = ? ORDER BY at, id",
            (contact_id,),
        )
        return [
            CompletionRecord(r["exercise_id"], r["stage"], from_ts(r["at"]),
                             json.loads(self.vault.decrypt(r["answers"])) if r["answers"] else None)
            for r in rows
        ]
