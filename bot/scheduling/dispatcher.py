"""The one dispatcher: claims due outbox rows, sends them through each person's channel, records the result.

At-least-once: a row is `sending` while its message is in flight; a crash leaves it there and `recover()`
at start sends it again, so duplicates are limited to what was in flight. A message that went out but got no
answer (MaybeSent) is never sent again: it ends as sent, "unconfirmed". Every send draws on its channel's one
budget (bot/scheduling/pace.py), shared with replies, as a proactive send: people waiting on an answer go
first and the outbox fills the spare capacity. A Sender that paces itself (its calls already wait on the shared
budget, e.g. Telegram's limiter) is not paced again here. A 429 that still comes back is the Sender's
RetryLater with the platform's `retry_after`. The dispatcher decides what happens next: sent, retried with
backoff, postponed past quiet hours, or stopped for good.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta

from bot.core.clock import Clock
from bot.core.domain import QUIET_HOURS
from bot.core.outbound import MaybeSent, Outgoing, RetryLater, Sender, Unreachable
from bot.core.proactive.render import Renderers, SkipDelivery
from bot.core.typed import offered_in
from bot.metrics import Metrics
from bot.scheduling.pace import Pace, channel_paces
from bot.storage.contacts import Contact, ContactStatus
from bot.storage.deliveries import Delivery, DeliveryStatus
from bot.storage.store import Store

log = logging.getLogger(__name__)

BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)
MAX_ATTEMPTS = 8
# A live peer conversation goes at once, even in quiet hours: both people are there right now (volunteers are
# only ever asked outside their own quiet hours).
LIVE_KINDS = frozenset({"support"})
# With several processes, a row `sending` for longer than this belongs to a process that died.
LEASE = timedelta(minutes=2)


def backoff(attempts: int, retry_after: float | None) -> timedelta:
    """How long to wait after the n-th failed attempt: doubling from 30 s, capped, never below retry_after."""
    delay: timedelta = min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)
    return max(delay, timedelta(seconds=retry_after or 0))


def _shown_as_is(sender: Sender, outgoing: Outgoing) -> bool:
    """False when the sender holds the message back for now (WhatsApp outside its 24-hour window sends the
    template instead): its buttons count once the person opens it (the channel tells the engine then)."""
    shows = getattr(sender, "shows", None)
    return shows is None or bool(shows(outgoing))


class Dispatcher:
    def __init__(self, store: Store, renderers: Renderers, senders: Mapping[str, Sender], clock: Clock, *,
                 batch: int = 100, concurrency: int = 16, max_attempts: int = MAX_ATTEMPTS,
                 paces: Mapping[str, Pace] | None = None, metrics: Metrics | None = None,
                 lease: timedelta = LEASE) -> None:
        self.store = store
        self.renderers = renderers
        self.senders = dict(senders)
        self.clock = clock
        self.batch = batch
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.paces = dict(channel_paces() if paces is None else paces)
        self.metrics = metrics
        self.lease = lease

    async def recover(self) -> int:
        """Return rows a crash left in `sending` to the queue; call once at start, before any sending.

        On a shared database other processes are sending too: only rows in flight for longer than the lease
        (their process died) go back, so a live process's rows are never sent twice.
        """
        now = self.clock.now()
        count = await self.store.deliveries.recover(now, now - self.lease if self.store.shared else None)
        if count:
            log.warning("recovered %s deliveries left in flight by an earlier run", count)
        return count

    async def run_once(self, contact_id: int | None = None, stopping: Callable[[], bool] = lambda: False) -> int:
        """Claim one batch of due rows (everyone's, or one person's) and deliver them; return how many.

        Once `stopping()` says so, rows not yet begun go back to the queue untouched (a graceful shutdown).
        """
        claimed = await self.store.deliveries.claim_due(self.clock.now(), self.batch, contact_id)
        if not claimed:
            return 0
        by_person: dict[int, list[Delivery]] = {}
        for delivery in claimed:
            by_person.setdefault(delivery.contact_id, []).append(delivery)
        gate = asyncio.Semaphore(self.concurrency)

        async def one_person(rows: list[Delivery]) -> None:
            async with gate:
                for row in rows:  # one person's messages in order, one at a time
                    if stopping():
                        await self.store.deliveries.release(row.id, row.due_at, "shutdown", self.clock.now(),
                                                            attempted=False)
                        continue
                    await self._deliver(row)

        await asyncio.gather(*(one_person(rows) for rows in by_person.values()))
        return len(claimed)

    async def drain(self, stopping: Callable[[], bool] = lambda: False, contact_id: int | None = None) -> int:
        """Deliver batches until nothing is due (or `stopping()` says so); return how many rows were handled."""
        total = 0
        while not stopping():
            handled = await self.run_once(contact_id, stopping)
            total += handled
            if handled == 0:
                break
        return total

    async def _deliver(self, delivery: Delivery) -> None:
        try:
            await self._attempt(delivery)
        except Exception:
            log.exception("delivery %s of kind %s failed unexpectedly", delivery.id, delivery.kind)
            await self._retry(delivery, "error", None)

    async def _attempt(self, delivery: Delivery) -> None:
        deliveries = self.store.deliveries
        now = self.clock.now()
        contact = await self.store.contacts.get(delivery.contact_id)
        if contact is None or contact.status != ContactStatus.ACTIVE:
            reason = "forgotten" if contact is None else str(contact.status)
            await deliveries.finish(delivery.id, DeliveryStatus.CANCELLED, reason, now)
            return
        quiet = (await self.store.reminders.get(contact.id)).quiet
        quiet_until = quiet.until(now, contact.timezone) if quiet and delivery.kind not in LIVE_KINDS else None
        if quiet_until is not None:
            await deliveries.release(delivery.id, quiet_until, QUIET_HOURS, now, attempted=False)
            self._count(delivery, "held_quiet_hours")
            return
        sender = self.senders.get(contact.address.channel)
        if sender is None:
            await self._retry(delivery, "no_channel", None)
            return
        try:
            replies = await self.renderers.render(delivery, contact, now)
        except SkipDelivery as skip:
            await deliveries.finish(delivery.id, DeliveryStatus.CANCELLED, skip.reason, now)
            return
        await self._send(delivery, contact, sender, Outgoing(
            contact.address, contact.language, replies, delivery.kind, contact.silent, contact.last_seen_at,
        ))

    async def _send(self, delivery: Delivery, contact: Contact, sender: Sender, outgoing: Outgoing) -> None:
        deliveries = self.store.deliveries
        pace = None if getattr(sender, "paces_itself", False) else self.paces.get(sender.channel)
        if pace is not None:
            await pace.wait(urgent=False)
        try:
            provider_id = await sender.send(outgoing)
        except Unreachable:
            now = self.clock.now()
            log.info("contact %s cannot be reached on %s: stopping their deliveries", contact.id, sender.channel)
            await self.store.contacts.update(contact.id, status=ContactStatus.BLOCKED)
            await deliveries.finish(delivery.id, DeliveryStatus.FAILED, "blocked", now, attempted=True)
            await deliveries.cancel_pending(contact.id, "blocked", now)
            self._count(delivery, "blocked")
        except RetryLater as exc:
            if pace is not None and exc.retry_after:
                pace.hold(exc.retry_after)
            if self.metrics is not None and exc.retry_after:
                self.metrics.rate_limited.labels(sender.channel).inc()
            await self._retry(delivery, "retry", exc.retry_after)
        except MaybeSent:
            log.warning("delivery %s went out without an answer; not sending it again", delivery.id)
            await deliveries.finish(delivery.id, DeliveryStatus.SENT, "unconfirmed", self.clock.now(), attempted=True)
        else:
            await deliveries.mark_sent(delivery.id, provider_id, self.clock.now())
            self._count(delivery, "sent")
            offered = offered_in(outgoing.replies)
            if offered and _shown_as_is(sender, outgoing):  # a typed "yes" or "1" answers it as a press would
                await self.store.prompts.remember(contact.id, offered, self.clock.now())
            if provider_id and getattr(sender, "keeps_message_ids", False):
                await self.store.recent.add(contact.id, [provider_id], self.clock.now())

    async def _retry(self, delivery: Delivery, reason: str, retry_after: float | None) -> None:
        now = self.clock.now()
        attempts = delivery.attempts + 1
        if attempts >= self.max_attempts:
            log.warning("delivery %s gave up after %s attempts (%s)", delivery.id, attempts, reason)
            await self.store.deliveries.finish(delivery.id, DeliveryStatus.FAILED, f"gave_up:{reason}", now,
                                               attempted=True)
            self._count(delivery, "failed")
            return
        await self.store.deliveries.release(delivery.id, now + backoff(attempts, retry_after), reason, now,
                                            attempted=True)
        self._count(delivery, "retried")

    def _count(self, delivery: Delivery, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.observe_delivery(delivery.kind, outcome)
