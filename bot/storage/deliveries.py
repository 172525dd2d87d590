"""The outbox table: enqueue proactive messages idempotently, cancel them, follow their status."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.core.domain import Delivery as Delivery
from bot.core.domain import DeliveryStatus as DeliveryStatus
from bot.core.domain import NewDelivery as NewDelivery
from bot.core.domain import PendingGroup as PendingGroup
from bot.storage.contacts import from_ts, to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Connection, Database, Row


class Deliveries:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    def row(self, row: Row) -> Delivery:
        return Delivery(
            id=row["id"], contact_id=row["contact_id"], kind=row["kind"], idem_key=row["idem_key"],
            due_at=from_ts(row["due_at"]), status=DeliveryStatus(row["status"]), attempts=row["attempts"],
            payload=json.loads(self.vault.decrypt(row["payload"])), cohort_id=row["cohort_id"], ref=row["ref"],
            reason=row["reason"], provider_id=row["provider_id"],
        )

    async def enqueue(self, contact_id: int, kind: str, idem_key: str, due_at: datetime, payload: dict[str, Any],
                      now: datetime, *, cohort_id: int | None = None, ref: str | None = None) -> int | None:
        """Add a pending delivery; return its id, or None when the idempotency key exists already."""
        row = await self.db.fetchone(
            "INSERT INTO deliveries (contact_id, kind, idem_key, due_at, payload, cohort_id, ref, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idem_key) DO NOTHING RETURNING id",
            (contact_id, kind, idem_key, to_ts(due_at), self.vault.encrypt(json.dumps(payload)), cohort_id,
             ref, to_ts(now)),
        )
        return int(row[0]) if row else None

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

    # --- Scheduling and the dispatcher (issue 5): batch enqueue, claim, record results, list. ---

    async def enqueue_many(self, rows: list[NewDelivery], now: datetime) -> int:
        """Add many pending deliveries in one transaction, skipping existing idempotency keys; return how many."""
        if not rows:
            return 0
        async with self.db.tx() as conn:
            return await self.insert_many(conn, rows, now)

    async def insert_many(self, conn: Connection, rows: list[NewDelivery], now: datetime) -> int:
        """enqueue_many inside a transaction the caller holds, so rows appear together with what they belong to."""
        params = [(r.contact_id, r.kind, r.idem_key, to_ts(r.due_at), self.vault.encrypt(json.dumps(r.payload)),
                   r.cohort_id, r.ref, to_ts(now)) for r in rows]
        return await conn.executemany(
            "INSERT INTO deliveries (contact_id, kind, idem_key, due_at, payload, cohort_id, ref, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (idem_key) DO NOTHING", params,
        )

    async def claim_due(self, now: datetime, limit: int, contact_id: int | None = None) -> list[Delivery]:
        """Move up to `limit` due pending rows (everyone's, or one person's) to `sending` and return them, oldest
        due first."""
        # Several processes may claim at once (PostgreSQL): each skips the rows another has locked. The CTE is
        # materialised so the LIMIT is applied once (an IN (subquery … LIMIT) may be re-run and claim more).
        one = "" if contact_id is None else " AND contact_id = ?"
        async with self.db.tx() as conn, conn.execute(
            "WITH due AS MATERIALIZED (SELECT id FROM deliveries"  # noqa: S608
            f" WHERE status = 'pending' AND due_at <= ?{one} ORDER BY due_at, id LIMIT ?{self.db.skip_locked})"
            " UPDATE deliveries SET status = 'sending', updated_at = ?"
            " WHERE id IN (SELECT id FROM due) AND status = 'pending' RETURNING *",
            (to_ts(now), *(() if contact_id is None else (contact_id,)), limit, to_ts(now)),
        ) as cursor:
            rows = await cursor.fetchall()
        return sorted((self.row(row) for row in rows), key=lambda d: (d.due_at, d.id))

    async def recover(self, now: datetime, claimed_before: datetime | None = None) -> int:
        """Put rows left in `sending` by a crash back to pending (only those claimed before `claimed_before`, when
        given); they go again (at-least-once)."""
        if claimed_before is None:
            return await self._update("UPDATE deliveries SET status = 'pending', reason = 'recovered',"
                                      " updated_at = ? WHERE status = 'sending'", (to_ts(now),))
        return await self._update("UPDATE deliveries SET status = 'pending', reason = 'recovered', updated_at = ?"
                                  " WHERE status = 'sending' AND updated_at < ?", (to_ts(now), to_ts(claimed_before)))

    async def mark_sent(self, delivery_id: int, provider_id: str | None, now: datetime) -> None:
        await self._update("UPDATE deliveries SET status = 'sent', attempts = attempts + 1, reason = NULL,"
                           " provider_id = ?, updated_at = ? WHERE id = ?", (provider_id, to_ts(now), delivery_id))

    async def release(self, delivery_id: int, due_at: datetime, reason: str, now: datetime, *,
                      attempted: bool) -> None:
        """Back to pending at a later time: after a failed attempt (counted) or a postponement (not counted)."""
        await self._update("UPDATE deliveries SET status = 'pending', due_at = ?, reason = ?,"
                           " attempts = attempts + ?, updated_at = ? WHERE id = ?",
                           (to_ts(due_at), reason, int(attempted), to_ts(now), delivery_id))

    async def finish(self, delivery_id: int, status: DeliveryStatus, reason: str, now: datetime, *,
                     attempted: bool = False) -> None:
        """End a row as cancelled or failed, saying why."""
        await self._update("UPDATE deliveries SET status = ?, reason = ?, attempts = attempts + ?, updated_at = ?"
                           " WHERE id = ?", (str(status), reason, int(attempted), to_ts(now), delivery_id))

    async def cancel_in_cohort(self, cohort_id: int, reason: str, now: datetime,
                               contact_id: int | None = None) -> int:
        """Cancel a cohort's pending deliveries, for everyone or for one member."""
        sql = "UPDATE deliveries SET status = 'cancelled', reason = ?, updated_at = ?" \
              " WHERE cohort_id = ? AND status = 'pending'"
        params: tuple[object, ...] = (reason, to_ts(now), cohort_id)
        if contact_id is not None:
            sql += " AND contact_id = ?"
            params += (contact_id,)
        return await self._update(sql, params)

    async def cancel_key(self, idem_key: str, reason: str, now: datetime) -> bool:
        """Cancel one row if it has not gone yet; False when it was sent (or is being sent) already."""
        return await self._update("UPDATE deliveries SET status = 'cancelled', reason = ?, updated_at = ?"
                                  " WHERE idem_key = ? AND status = 'pending'", (reason, to_ts(now), idem_key)) == 1

    async def purge(self, ref: str, keep_pending_to: tuple[int, ...] = ()) -> int:
        """Delete the rows with this reference, except those still pending for the people named (relayed words
        leave no trace once delivered, yet a last message on its way still arrives)."""
        if not keep_pending_to:
            return await self._update("DELETE FROM deliveries WHERE ref = ?", (ref,))
        marks = ", ".join("?" for _ in keep_pending_to)
        return await self._update(
            f"DELETE FROM deliveries WHERE ref = ? AND NOT (status = 'pending' AND contact_id IN ({marks}))",  # noqa: S608
            (ref, *keep_pending_to))
    async def cancel_ref(self, ref: str, reason: str, now: datetime) -> int:
        """Cancel the pending rows that belong to one thing (a broadcast); return how many."""
        return await self._update("UPDATE deliveries SET status = 'cancelled', reason = ?, updated_at = ?"
                                  " WHERE ref = ? AND status = 'pending'", (reason, to_ts(now), ref))

    async def outcome(self, ref: str) -> dict[str, int]:
        """How many rows of one thing are in each status, and how many were cancelled: {status: count}."""
        async with self.db.tx() as conn, conn.execute(
            "SELECT status, COUNT(*) FROM deliveries WHERE ref = ? GROUP BY status", (ref,)
        ) as cursor:
            rows = await cursor.fetchall()
        return {row[0]: int(row[1]) for row in rows}

    async def revive(self, cohort_id: int, contact_ids: list[int], reasons: tuple[str, ...], now: datetime) -> int:
        """Make a cohort's future rows pending again for these people, when cancelled for one of `reasons`."""
        marks = ", ".join("?" for _ in reasons)
        return await self.db.executemany(
            "UPDATE deliveries SET status = 'pending', reason = NULL, updated_at = ? WHERE contact_id = ?"  # noqa: S608
            f" AND status = 'cancelled' AND cohort_id = ? AND due_at > ? AND reason IN ({marks})",
            [(to_ts(now), contact_id, cohort_id, to_ts(now), *reasons) for contact_id in contact_ids],
        )

    async def retime(self, moves: list[tuple[str, datetime]], now: datetime, passed_reason: str) -> int:
        """Give pending rows (by idempotency key) a new due time; cancel those whose new time has passed."""
        later = [(to_ts(due), to_ts(now), key, to_ts(due)) for key, due in moves if due > now]
        passed = [(passed_reason, to_ts(now), key, to_ts(due)) for key, due in moves if due <= now]
        async with self.db.tx() as conn:
            changed = await conn.executemany("UPDATE deliveries SET due_at = ?, updated_at = ? WHERE idem_key = ?"
                                             " AND status = 'pending' AND due_at != ?", later)
            changed += await conn.executemany("UPDATE deliveries SET status = 'cancelled', reason = ?, updated_at = ?"
                                              " WHERE idem_key = ? AND status = 'pending' AND due_at != ?", passed)
        return changed

    async def pending_groups(self, limit: int) -> list[PendingGroup]:
        """Pending rows grouped by kind, reference, cohort and due time (a broadcast is one line)."""
        async with self.db.tx() as conn, conn.execute(
            "SELECT MIN(id), kind, due_at, cohort_id, COUNT(*), MIN(contact_id), MIN(reason) FROM deliveries"
            " WHERE status = 'pending' GROUP BY kind, ref, cohort_id, due_at ORDER BY due_at, MIN(id) LIMIT ?",
            (limit,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [PendingGroup(r[0], r[1], from_ts(r[2]), r[3], r[4], r[5] if r[4] == 1 else None, r[6])
                for r in rows]

    async def count_pending(self) -> int:
        async with self.db.tx() as conn, conn.execute(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'"
        ) as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def census(self) -> dict[tuple[str, str], int]:
        """Row counts by (kind, status), for metrics: no person, cohort or text in it."""
        rows = await self.db.fetchall("SELECT kind, status, COUNT(*) FROM deliveries GROUP BY kind, status")
        return {(str(r[0]), str(r[1])): int(r[2]) for r in rows}

    async def held_for_quiet_hours(self) -> int:
        row = await self.db.fetchone(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'pending' AND reason = 'quiet_hours'"
        )
        return int(row[0]) if row else 0

    async def oldest_due(self, now: datetime) -> datetime | None:
        """When the longest-waiting due pending row fell due (None when nothing is due)."""
        row = await self.db.fetchone(
            "SELECT MIN(due_at) FROM deliveries WHERE status = 'pending' AND due_at <= ?", (to_ts(now),)
        )
        return from_ts(row[0]) if row and row[0] is not None else None

    async def _update(self, sql: str, params: tuple[object, ...]) -> int:
        async with self.db.tx() as conn:
            cursor = await conn.execute(sql, params)
            count = cursor.rowcount
            await cursor.close()
        return count

    # --- end of the scheduling section ---

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

    # --- held for quiet hours (issue 14) ---

    async def pending_reasons(self, ref: str) -> dict[str, int]:
        """Pending rows of one thing (a broadcast) by why they wait: {reason or '': count}."""
        async with self.db.tx() as conn, conn.execute(
            "SELECT reason, COUNT(*) FROM deliveries WHERE ref = ? AND status = 'pending' GROUP BY reason", (ref,)
        ) as cursor:
            rows = await cursor.fetchall()
        return {row[0] or "": int(row[1]) for row in rows}

    async def release_held(self, contact_id: int, reason: str, now: datetime) -> int:
        """Make the person's rows held for `reason` (their old quiet hours) due now; the dispatcher checks the
        new hours again. Return how many."""
        return await self._update("UPDATE deliveries SET due_at = ?, reason = NULL, updated_at = ?"
                                  " WHERE contact_id = ? AND status = 'pending' AND reason = ?",
                                  (to_ts(now), to_ts(now), contact_id, reason))
