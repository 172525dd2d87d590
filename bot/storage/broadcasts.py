"""Facilitator broadcasts: the message (encrypted, kept only while it may still go out), its cohorts and counts.

Each member's copy is an outbox row with ref `broadcast:<id>`; launching writes the broadcast's new status
and all its rows in one transaction, so a crash never leaves a broadcast half-queued.
"""

from __future__ import annotations

import json
from datetime import datetime

from bot.core.domain import UNDER_WAY as UNDER_WAY
from bot.core.domain import Audience as Audience
from bot.core.domain import Broadcast as Broadcast
from bot.core.domain import BroadcastStatus as BroadcastStatus
from bot.core.domain import Outcome as Outcome
from bot.storage.contacts import from_ts, to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Database, Row
from bot.storage.deliveries import Deliveries, NewDelivery


class Broadcasts:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault
        self.deliveries = Deliveries(db, vault)

    def _row(self, row: Row) -> Broadcast:
        return Broadcast(
            id=row["id"], facilitator_id=row["facilitator_id"],
            text=self.vault.decrypt(row["text"]) if row["text"] is not None else "",
            cohort_ids=tuple(json.loads(row["cohort_ids"])), status=BroadcastStatus(row["status"]),
            due_at=from_ts(row["due_at"]) if row["due_at"] is not None else None, recipients=row["recipients"],
            skipped=row["skipped"], sent=row["sent"], failed=row["failed"],
        )

    async def draft(self, facilitator_id: int, text: str, cohort_ids: list[int], now: datetime) -> Broadcast:
        """Keep a message being prepared, so the preview's buttons refer to it by id."""
        new_id = await self.db.insert(
            "INSERT INTO broadcasts (facilitator_id, text, cohort_ids, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
            (facilitator_id, self.vault.encrypt(text), json.dumps(cohort_ids), to_ts(now), to_ts(now)),
        )
        found = await self.get(new_id)
        assert found is not None
        return found

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self.db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return self._row(row) if row else None

    async def discard_drafts(self, facilitator_id: int) -> int:
        """Delete the facilitator's unsent drafts (a new /broadcast starts afresh)."""
        return await self.db.execute("DELETE FROM broadcasts WHERE facilitator_id = ? AND status = 'draft'",
                                     (facilitator_id,))

    async def discard_abandoned(self, before: datetime) -> int:
        """Delete drafts nobody touched since `before`, or whose author is gone: no text is kept for nothing."""
        return await self.db.execute("DELETE FROM broadcasts WHERE status = 'draft'"
                                     " AND (updated_at < ? OR facilitator_id IS NULL)", (to_ts(before),))

    async def audience(self, cohort_ids: tuple[int, ...]) -> Audience:
        """The distinct members of these cohorts: those who may be written to, and how many may not."""
        marks = ", ".join("?" for _ in cohort_ids)
        rows = await self.db.fetchall(
            "SELECT p.id, p.status, MIN(m.cohort_id) FROM cohort_members m JOIN contacts p ON p.id = m.contact_id"  # noqa: S608
            f" WHERE m.cohort_id IN ({marks}) GROUP BY p.id ORDER BY p.id", cohort_ids,
        )
        members = [(row[0], row[2]) for row in rows if row[1] == "active"]
        return Audience(members, len(rows) - len(members))

    async def launch(self, broadcast_id: int, status: BroadcastStatus, due_at: datetime, rows: list[NewDelivery],
                     skipped: int, now: datetime) -> bool:
        """Turn a draft into a scheduled or sending broadcast together with its outbox rows; False if not a draft."""
        async with self.db.tx() as conn:
            cursor = await conn.execute(
                "UPDATE broadcasts SET status = ?, due_at = ?, recipients = ?, skipped = ?, updated_at = ?"
                " WHERE id = ? AND status = 'draft'",
                (str(status), to_ts(due_at), len(rows), skipped, to_ts(now), broadcast_id),
            )
            launched = cursor.rowcount == 1
            await cursor.close()
            if launched:
                await self.deliveries.insert_many(conn, rows, now)
        return launched

    async def under_way(self, facilitator_id: int) -> list[Broadcast]:
        """The facilitator's broadcasts still scheduled or going out, soonest first."""
        rows = await self.db.fetchall(
            "SELECT * FROM broadcasts WHERE facilitator_id = ? AND status IN ('scheduled', 'sending')"
            " ORDER BY due_at, id", (facilitator_id,))
        return [self._row(row) for row in rows]

    async def cancel(self, broadcast_id: int, now: datetime) -> bool:
        """Stop a scheduled or sending broadcast and forget its text; False when it was not under way."""
        return await self.db.execute(
            "UPDATE broadcasts SET status = 'cancelled', text = NULL, updated_at = ?"
            " WHERE id = ? AND status IN ('scheduled', 'sending')", (to_ts(now), broadcast_id)) == 1

    async def start_due(self, now: datetime) -> int:
        """Scheduled broadcasts whose time has come are now sending."""
        return await self.db.execute("UPDATE broadcasts SET status = 'sending', updated_at = ?"
                                     " WHERE status = 'scheduled' AND due_at <= ?", (to_ts(now), to_ts(now)))

    async def finished(self) -> list[Broadcast]:
        """Sending broadcasts none of whose rows is still waiting or in flight."""
        rows = await self.db.fetchall(
            "SELECT * FROM broadcasts b WHERE b.status = 'sending' AND NOT EXISTS (SELECT 1 FROM deliveries d"
            " WHERE d.ref = 'broadcast:' || b.id AND d.status IN ('pending', 'sending'))")
        return [self._row(row) for row in rows]

    async def close(self, broadcast_id: int, outcome: Outcome, now: datetime, *, keep_text: bool = False) -> None:
        """Done: keep the counts, forget the text (with `keep_text`, only later: see forget_texts)."""
        text = "text" if keep_text else "NULL"
        await self.db.execute(
            f"UPDATE broadcasts SET status = 'done', text = {text}, sent = ?, skipped = ?, failed = ?,"  # noqa: S608
            " updated_at = ? WHERE id = ?", (outcome.sent, outcome.skipped, outcome.failed, to_ts(now), broadcast_id))

    async def went_to_discreet(self, ref: str) -> bool:
        """Whether a copy went to someone on plain messages, who saw only a greeting and may still open it."""
        return await self.db.fetchone(
            "SELECT 1 FROM deliveries d JOIN contacts c ON c.id = d.contact_id"
            " WHERE d.ref = ? AND d.status = 'sent' AND c.discreet = 1 LIMIT 1", (ref,)) is not None

    async def forget_texts(self, closed_before: datetime) -> int:
        """Forget the texts kept for discreet copies once the time to open them is over."""
        return await self.db.execute("UPDATE broadcasts SET text = NULL WHERE status = 'done' AND text IS NOT NULL"
                                     " AND updated_at < ?", (to_ts(closed_before),))
