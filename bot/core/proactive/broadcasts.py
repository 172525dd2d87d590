"""A facilitator's broadcast as outbox rows: one copy per member, the report when all have gone.

Rows are keyed `broadcast:<id>:<contact>` and hold only the broadcast's id: the text is read at send time,
so a cancelled broadcast stops even for rows already claimed. Members in several chosen cohorts get one copy.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.core.domain import Broadcast, BroadcastStatus, NewDelivery, Outcome
from bot.core.i18n import Library
from bot.core.ports import Store
from bot.core.text import message as shown

log = logging.getLogger(__name__)

KIND = "broadcast"
HEADER_KEY = "notify.broadcast_header"
REPORT_KEY = "broadcast.notify_report"
CANCELLED = "broadcast_cancelled"
DRAFTS_KEPT = timedelta(days=1)  # an unsent draft's text is deleted after a day untouched
# A copy sent to someone on plain messages arrived as a bare greeting; its words are kept this long after the
# broadcast is done so that their "Open" can still show them, then forgotten like every other broadcast's.
OPENABLE_FOR = timedelta(days=7)


def message(library: Library, language: str, text: str) -> str:
    """What a member reads: the discreet header (all a lock screen shows), then the facilitator's words (cleaned
    again here: a broadcast scheduled before hidden characters were removed on input still goes out clean)."""
    return f"{library.text(language, HEADER_KEY)}\n\n{shown(text)}"


def idem_key(broadcast_id: int, contact_id: int) -> str:
    return f"{KIND}:{broadcast_id}:{contact_id}"


async def launch(store: Store, broadcast: Broadcast, due_at: datetime, now: datetime) -> Broadcast | None:
    """Queue one copy per reachable member for `due_at`; None when the broadcast was no longer a draft."""
    audience = await store.broadcasts.audience(broadcast.cohort_ids)
    rows = [NewDelivery(contact_id, KIND, idem_key(broadcast.id, contact_id), due_at, {"broadcast": broadcast.id},
                        cohort_id, broadcast.ref) for contact_id, cohort_id in audience.members]
    status = BroadcastStatus.SENDING if due_at <= now else BroadcastStatus.SCHEDULED
    if not await store.broadcasts.launch(broadcast.id, status, due_at, rows, audience.skipped, now):
        return None
    log.info("broadcast %s queued for %s people (%s skipped)", broadcast.id, len(rows), audience.skipped)
    return await store.broadcasts.get(broadcast.id)


async def cancel(store: Store, broadcast: Broadcast, now: datetime) -> bool:
    """Stop a broadcast that is scheduled or going out; copies already sent stay sent."""
    if not await store.broadcasts.cancel(broadcast.id, now):
        return False
    stopped = await store.deliveries.cancel_ref(broadcast.ref, CANCELLED, now)
    log.info("broadcast %s cancelled; %s copies will not go", broadcast.id, stopped)
    return True


async def report(store: Store, broadcast: Broadcast, now: datetime) -> Outcome:
    """Close a broadcast whose copies are all finished and queue its counts for the facilitator."""
    counts = await store.deliveries.outcome(broadcast.ref)
    outcome = Outcome(sent=counts.get("sent", 0), skipped=broadcast.skipped + counts.get("cancelled", 0),
                      failed=counts.get("failed", 0))
    if broadcast.facilitator_id is not None:  # queued before closing: a crash in between only repeats a no-op
        values = {"sent": outcome.sent, "skipped": outcome.skipped, "failed": outcome.failed}
        await store.deliveries.enqueue(broadcast.facilitator_id, "notice", f"{broadcast.ref}:report", now,
                                       {"key": REPORT_KEY, "values": values}, now)
    await store.broadcasts.close(broadcast.id, outcome, now,
                                 keep_text=await store.broadcasts.went_to_discreet(broadcast.ref))
    return outcome


async def broadcast_tick(store: Store, now: datetime) -> int:
    """Start scheduled broadcasts that are due, report finished ones, delete abandoned drafts; return reports."""
    await store.broadcasts.start_due(now)
    await store.broadcasts.discard_abandoned(now - DRAFTS_KEPT)
    await store.broadcasts.forget_texts(now - OPENABLE_FOR)
    finished = await store.broadcasts.finished()
    for broadcast in finished:
        await report(store, broadcast, now)
    return len(finished)
