"""'Check on me': a person's rule, the countdown it is in, and the buddy who agreed to be told.

The buddy is told nothing but the name the person chose: no mood, no note, no reason.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from bot.core.domain import BUDDY_PREFIX as BUDDY_PREFIX
from bot.core.domain import Buddy as Buddy
from bot.core.domain import Rule as Rule
from bot.core.domain import RuleState as RuleState
from bot.core.domain import is_buddy_code as is_buddy_code
from bot.storage.cohorts import CODE_ALPHABET
from bot.storage.contacts import from_ts, to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Database, Row
from bot.storage.facilitators import normalise_invite

BUDDY_LINK_VALID_FOR = timedelta(days=7)


def _rule(row: Row) -> Rule:
    deadline = None if row["deadline"] is None else from_ts(row["deadline"])
    return Rule(row["contact_id"], row["quiet_days"], row["low_streak"], RuleState(row["state"]),
                from_ts(row["since"]), deadline, row["peer_name"] is not None)


class CheckOn:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    # ---- the rule --------------------------------------------------------------------------------------------

    async def rule(self, contact_id: int) -> Rule | None:
        row = await self.db.fetchone("SELECT * FROM checkon_rules WHERE contact_id = ?", (contact_id,))
        return _rule(row) if row else None

    async def set_rule(self, contact_id: int, quiet_days: int | None, low_streak: int | None, now: datetime,
                       peer_name: str | None = None) -> None:
        """Arm the rule; with `peer_name`, a peer supporter is asked instead of a buddy (and any buddy is let go)."""
        async with self.db.tx() as conn:
            await conn.execute(
                "INSERT INTO checkon_rules (contact_id, quiet_days, low_streak, state, since, created_at, peer_name)"
                " VALUES (?, ?, ?, 'watching', ?, ?, ?) ON CONFLICT (contact_id) DO UPDATE SET"
                " quiet_days = excluded.quiet_days, low_streak = excluded.low_streak, state = 'watching',"
                " since = excluded.since, deadline = NULL, peer_name = excluded.peer_name",
                (contact_id, quiet_days, low_streak, to_ts(now), to_ts(now),
                 None if peer_name is None else self.vault.encrypt(peer_name)),
            )
            if peer_name is not None:
                await conn.execute("DELETE FROM buddies WHERE contact_id = ?", (contact_id,))

    async def peer_name(self, contact_id: int) -> str | None:
        """The name a peer supporter would see, when the person chose a peer instead of a buddy."""
        row = await self.db.fetchone("SELECT peer_name FROM checkon_rules WHERE contact_id = ?", (contact_id,))
        return None if row is None or row[0] is None else self.vault.decrypt(row[0])

    async def remove_rule(self, contact_id: int) -> bool:
        return await self.db.execute("DELETE FROM checkon_rules WHERE contact_id = ?", (contact_id,)) == 1

    async def ask(self, rule: Rule, deadline: datetime) -> bool:
        """Watching → asking, once (a second process doing the same tick changes nothing)."""
        return await self.db.execute(
            "UPDATE checkon_rules SET state = 'asking', deadline = ? WHERE contact_id = ? AND state = 'watching'"
            " AND since = ?", (to_ts(deadline), rule.contact_id, to_ts(rule.since))) == 1

    async def tell(self, contact_id: int, now: datetime) -> bool:
        """Asking → told, once."""
        return await self.db.execute(
            "UPDATE checkon_rules SET state = 'told', deadline = ? WHERE contact_id = ? AND state = 'asking'",
            (to_ts(now), contact_id)) == 1

    async def rearm(self, contact_id: int, now: datetime) -> bool:
        """Back to watching from now on (the person is okay, or checked in after the buddy was told)."""
        return await self.db.execute(
            "UPDATE checkon_rules SET state = 'watching', since = ?, deadline = NULL"
            " WHERE contact_id = ? AND state != 'watching'", (to_ts(now), contact_id)) == 1

    async def in_state(self, state: RuleState) -> list[Rule]:
        rows = await self.db.fetchall("SELECT * FROM checkon_rules WHERE state = ?", (str(state),))
        return [_rule(r) for r in rows]

    # ---- the buddy -------------------------------------------------------------------------------------------

    def _hash(self, code: str) -> bytes:
        return self.vault.lookup("buddy-link:" + normalise_invite(code))

    async def invite(self, contact_id: int, name: str, now: datetime) -> tuple[str, datetime]:
        """A one-time link code for a new buddy (replacing any earlier buddy or link); shown once."""
        code = BUDDY_PREFIX + "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(3))
        expires = now + BUDDY_LINK_VALID_FOR
        async with self.db.tx() as conn:
            await conn.execute("DELETE FROM buddies WHERE contact_id = ?", (contact_id,))
            await conn.execute(
                "INSERT INTO buddies (contact_id, invite_hash, invite_expires_at, name, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (contact_id, self._hash(code), to_ts(expires), self.vault.encrypt(name), to_ts(now)))
        return code, expires

    async def pending_invite(self, code: str, now: datetime) -> Buddy | None:
        if not is_buddy_code(code):
            return None
        row = await self.db.fetchone(
            "SELECT * FROM buddies WHERE invite_hash = ? AND buddy_id IS NULL AND invite_expires_at > ?",
            (self._hash(code), to_ts(now)))
        return self._buddy(row) if row else None

    async def still_open(self, buddy_row: int, now: datetime) -> bool:
        """The link of this row can still be accepted (not used, not withdrawn, not expired)."""
        return await self.db.fetchone(
            "SELECT 1 FROM buddies WHERE id = ? AND buddy_id IS NULL AND invite_hash IS NOT NULL"
            " AND invite_expires_at > ?", (buddy_row, to_ts(now))) is not None

    async def accept(self, buddy: Buddy, buddy_id: int, now: datetime) -> bool:
        """The buddy agrees; the link is used up. False when it was used, withdrawn or expired meanwhile."""
        return await self.db.execute(
            "UPDATE buddies SET buddy_id = ?, accepted_at = ?, invite_hash = NULL, invite_expires_at = NULL"
            " WHERE id = ? AND buddy_id IS NULL AND invite_hash IS NOT NULL AND invite_expires_at > ?",
            (buddy_id, to_ts(now), buddy.id, to_ts(now))) == 1

    async def of(self, contact_id: int) -> Buddy | None:
        """The person's buddy (accepted or still invited)."""
        row = await self.db.fetchone("SELECT * FROM buddies WHERE contact_id = ?", (contact_id,))
        return self._buddy(row) if row else None

    async def get(self, buddy_row: int) -> Buddy | None:
        row = await self.db.fetchone("SELECT * FROM buddies WHERE id = ?", (buddy_row,))
        return self._buddy(row) if row else None

    async def watched_by(self, buddy_id: int) -> list[Buddy]:
        rows = await self.db.fetchall("SELECT * FROM buddies WHERE buddy_id = ? ORDER BY id", (buddy_id,))
        return [self._buddy(r) for r in rows]

    async def end(self, buddy_row: int) -> bool:
        """Either side leaves: the pairing is gone for both."""
        return await self.db.execute("DELETE FROM buddies WHERE id = ?", (buddy_row,)) == 1

    def _buddy(self, row: Row) -> Buddy:
        return Buddy(row["id"], row["contact_id"], row["buddy_id"], self.vault.decrypt(row["name"]))
