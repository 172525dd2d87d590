"""Facilitator invites (one-time codes, stored only as a keyed hash) and the audit log of facilitator actions."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from bot.core.domain import Action as Action
from bot.core.domain import normalise_invite as normalise_invite
from bot.storage.cohorts import CODE_ALPHABET
from bot.storage.contacts import to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Connection, Database

INVITE_VALID_FOR = timedelta(days=7)
INVITE_GROUPS = 3
INVITE_GROUP_LENGTH = 4




class Facilitators:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    def _hash(self, code: str) -> bytes:
        return self.vault.lookup("facilitator-invite:" + normalise_invite(code))

    async def invite(self, now: datetime, valid_for: timedelta = INVITE_VALID_FOR) -> tuple[str, datetime]:
        """Create a one-time code; return it (shown once, never stored) and when it expires."""
        groups = ("".join(secrets.choice(CODE_ALPHABET) for _ in range(INVITE_GROUP_LENGTH))
                  for _ in range(INVITE_GROUPS))
        code = "-".join(groups)
        expires = now + valid_for
        async with self.db.tx() as conn:
            await conn.execute("INSERT INTO facilitator_invites (code_hash, created_at, expires_at) VALUES (?, ?, ?)",
                               (self._hash(code), to_ts(now), to_ts(expires)))
        return code, expires

    async def redeem(self, code: str, contact_id: int, now: datetime) -> bool:
        """Use a valid, unused, unexpired code to make the contact a facilitator; False changes nothing."""
        if not normalise_invite(code):
            return False
        async with self.db.tx() as conn:
            cursor = await conn.execute(
                "UPDATE facilitator_invites SET used_at = ?"
                " WHERE code_hash = ? AND used_at IS NULL AND expires_at > ?",
                (to_ts(now), self._hash(code), to_ts(now)),
            )
            used = cursor.rowcount == 1
            await cursor.close()
            if used:
                await conn.execute("UPDATE contacts SET is_facilitator = 1 WHERE id = ?", (contact_id,))
                await self._audit(conn, contact_id, Action.BECAME_FACILITATOR, now, None)
        return used

    async def audit(self, contact_id: int, action: Action, now: datetime, cohort_id: int | None = None) -> None:
        async with self.db.tx() as conn:
            await self._audit(conn, contact_id, action, now, cohort_id)

    @staticmethod
    async def _audit(conn: Connection, contact_id: int, action: Action, now: datetime,
                     cohort_id: int | None) -> None:
        await conn.execute("INSERT INTO facilitator_audit (contact_id, action, cohort_id, at) VALUES (?, ?, ?, ?)",
                           (contact_id, str(action), cohort_id, to_ts(now)))
