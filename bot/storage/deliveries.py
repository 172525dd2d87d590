"""The outbox table: enqueue proactive messages idempotently, cancel them, follow their status."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import aiosqlite

from bot.storage.contacts import from_ts, to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Database


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    contact_id: int
    kind: str
    idem_key: str
    due_at: datetime
    status: DeliveryStatus
    attempts: int
    payload: dict[str, Any]
    cohort_id: int | None
    ref: str | None
    reason: str | None
    provider_id: str | None


class Deliveries:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    def row(self, row: aiosqlite.Row) -> Delivery:
        return Delivery(
            id=row["id"], contact_id=row["contact_id"], kind=row["kind"], idem_key=row["idem_key"],
            due_at=from_ts(row["due_at"]), status=DeliveryStatus(row["status"]), attempts=row["attempts"],
            payload=json.loads(self.vault.decrypt(row["payload"])), cohort_id=row["cohort_id"], ref=row["ref"],
            reason=row["reason"], provider_id=row["provider_id"],
        )

    async def enqueue(self, contact_id: int, kind: str, idem_key: str, due_at: datetime, payload: dict[str, Any],
                      now: datetime, *, cohort_id: int | None = None, ref: str | None = None) -> int | None:
        """Add a pending delivery; return its id, or None when the idempotency key exists already."""
        async with self.db.tx() as conn:
            cursor = await conn.execute(
                "INSERT INTO deliveries (contact_id, kind, idem_key, due_at, payload, cohort_id, ref, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idem_key) DO NOTHING",
                (contact_id, kind, idem_key, to_ts(due_at), self.vault.encrypt(json.dumps(payload)), cohort_id,
                 ref, to_ts(now)),
            )
            new_id = cursor.lastrowid if cursor.rowcount == 1 else None
            await cursor.close()
        return new_id

    async def cancel_pending(self, contact_id: int, reason: str, now: datetime,
                             kinds: tuple[str, ...] | None = None) -> int:
        """Cancel the person's pending deliveries (of some kinds, or all); return how many."""
        sql = "UPDATE deliveries SET status = 'cancelled', reason = ?, updated_at = ? " \
              "WHERE contact_id = ? AND status = 'pending'"
        params: list[Any] = [reason, to_ts(now), contact_id]
        if kinds:
            sql += f" AND kind IN ({', '.join('?' for _ in kinds)})"
            params += kinds
        async with self.db.tx() as conn:
            cursor = await conn.execute(sql, params)
            count = cursor.rowcount
            await cursor.close()
        return count

    async def get(self, delivery_id: int) -> Delivery | None:
        async with self.db.tx() as conn, conn.execute(
            "SELECT * FROM deliveries WHERE id = ?", (delivery_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return self.row(row) if row else None

    async def record_status(self, provider_id: str, status: str, reason: str | None, now: datetime) -> int | None:
        """Apply a platform receipt (sent, delivered, read, failed) to the row with this message id.

        Receipts arrive out of order, so one only replaces a lower one (none < sent < delivered < read < failed):
        a late "sent" never overwrites "read". A failure also fails the row with its reason (for
        `schedule list --why`). Return the contact id of the row changed, or None.
        """
        ranks = ("sent", "delivered", "read", "failed")
        if status not in ranks:
            raise ValueError(f"unknown receipt {status!r}")
        async with self.db.tx() as conn, conn.execute(
            "UPDATE deliveries SET receipt = ?, updated_at = ?,"
            " status = CASE WHEN ? = 'failed' THEN 'failed' ELSE status END,"
            " reason = CASE WHEN ? = 'failed' THEN ? ELSE reason END"
            " WHERE provider_id = ? AND CASE receipt WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3"
            " WHEN 'failed' THEN 4 ELSE 0 END < ? RETURNING contact_id",
            (status, to_ts(now), status, status, reason, provider_id, ranks.index(status) + 1),
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else None
