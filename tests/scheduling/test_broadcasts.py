"""A broadcast through the outbox: rate limits, crashes and the report, with hundreds of recipients."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.proactive import broadcasts
from bot.core.proactive.render import Renderers
from bot.scheduling.dispatcher import LEASE, Dispatcher
from bot.storage.broadcasts import Broadcast
from tests.broadcasting import RateLimitedSender, copies, crowd, fake_pace, report
from tests.helpers import rows
from tests.outbox import FakeSender, facilitator, new_cohort

pytestmark = pytest.mark.both_engines

PEOPLE = 300


async def launched(services: Services, members: int = PEOPLE) -> Broadcast:
    """A facilitator's cohort of `members` and a broadcast to it, queued for now."""
    fay = await facilitator(services)
    await new_cohort(fay)
    await crowd(services, 1, members)
    now = services.clock.now()
    draft = await services.store.broadcasts.draft(1, "Meeting on Friday 🌼", [1], now)
    queued = await broadcasts.launch(services.store, draft, now, now)
    assert queued is not None and queued.recipients == members
    return queued


def paced(services: Services, sender: FakeSender, clock: FakeClock, per_second: float, *, batch: int = 100,
          concurrency: int = 16) -> Dispatcher:
    return Dispatcher(services.store, Renderers(services.store, services.library), {sender.channel: sender},
                      services.clock, paces={sender.channel: fake_pace(clock, per_second)}, batch=batch,
                      concurrency=concurrency)


async def test_the_pace_keeps_under_the_platforms_limit(services: Services, clock: FakeClock) -> None:
    await launched(services)
    sender = RateLimitedSender(clock=clock, per_second=25)
    start = clock.now()
    await paced(services, sender, clock, per_second=20).drain()
    assert sender.refused == 0
    assert len(copies(sender)) == PEOPLE and set(copies(sender).values()) == {1}
    elapsed = (clock.now() - start).total_seconds()
    assert PEOPLE / 25 <= elapsed <= 2 * PEOPLE / 20
    assert sender.busiest_second() <= 20


async def test_a_pace_too_fast_for_the_platform_still_delivers_once_each(services: Services,
                                                                         clock: FakeClock) -> None:
    broadcast = await launched(services)
    sender = RateLimitedSender(clock=clock, per_second=15)
    dispatcher = paced(services, sender, clock, per_second=20)
    for _ in range(30):  # bounded: retries come back after their backoff
        await dispatcher.drain()
        await report(services)
        if not await services.store.deliveries.count_pending():
            break
        clock.advance(seconds=30)
    assert len(copies(sender)) == PEOPLE and set(copies(sender).values()) == {1}
    assert 0 < sender.refused < PEOPLE / 10, "retry_after holds the whole channel, so 429s stay rare"
    assert sender.busiest_second() <= 15
    done = await services.store.broadcasts.get(broadcast.id)
    assert done is not None and (done.status, done.sent, done.skipped, done.failed) == ("done", PEOPLE, 0, 0)


async def test_a_crash_halfway_resumes_without_losing_anyone(services: Services, clock: FakeClock) -> None:
    await launched(services)
    sender = FakeSender()
    first = paced(services, sender, clock, per_second=50, batch=50)
    assert await first.run_once() == 50
    assert await first.run_once() == 50
    in_flight = await services.store.deliveries.claim_due(clock.now(), 50)  # claimed, then the process dies
    db = services.settings.database_path
    assert rows(db, "SELECT status, COUNT(*) FROM deliveries WHERE kind = 'broadcast' GROUP BY status"
                    " ORDER BY status") == [("pending", 150), ("sending", 50), ("sent", 100)]
    assert await report(services) == 0, "rows in flight keep the broadcast open"
    restarted = paced(services, sender, clock, per_second=50)
    clock.advance(seconds=LEASE.total_seconds() + 1)  # with several processes, rows go again after the lease
    assert await restarted.recover() == len(in_flight)
    await restarted.drain()
    assert len(copies(sender)) == PEOPLE and set(copies(sender).values()) == {1}
    assert await report(services) == 1
    assert rows(db, "SELECT status, sent FROM broadcasts") == [("done", PEOPLE)]


async def test_the_report_counts_sent_skipped_and_failed(services: Services, clock: FakeClock) -> None:
    fay = await facilitator(services)
    await new_cohort(fay)
    ids = await crowd(services, 1, 10)
    await services.store.contacts.update(ids[0], status="stopped")  # skipped when queued
    now = clock.now()
    draft = await services.store.broadcasts.draft(1, "Hello", [1], now)
    broadcast = await broadcasts.launch(services.store, draft, now, now)
    assert broadcast is not None and (broadcast.recipients, broadcast.skipped) == (9, 1)
    await services.store.contacts.update(ids[1], status="stopped")  # stopped before their copy went
    await services.store.cohorts.leave(1, ids[2])
    await services.store.deliveries.cancel_in_cohort(1, "left", now, ids[2])  # as /join's leave does
    sender = FakeSender(unreachable={"p3"})  # blocked the bot: failed
    await paced(services, sender, clock, per_second=100).drain()
    assert await report(services) == 1
    notice = await services.store.deliveries.get(
        int(str(rows(services.settings.database_path, "SELECT id FROM deliveries WHERE kind = 'notice'")[0][0])))
    assert notice is not None and notice.contact_id == 1
    assert notice.payload == {"key": "broadcast.notify_report", "values": {"sent": 6, "skipped": 3, "failed": 1}}
    assert len(copies(sender)) == 6


async def test_a_broadcast_cancelled_while_rows_are_claimed_stops_them(services: Services, clock: FakeClock) -> None:
    broadcast = await launched(services, members=5)
    claimed = await services.store.deliveries.claim_due(clock.now(), 2)
    assert await broadcasts.cancel(services.store, broadcast, clock.now())
    await services.store.deliveries.recover(clock.now())
    sender = FakeSender()
    await paced(services, sender, clock, per_second=100).drain()
    assert sender.sent == []
    reasons = rows(services.settings.database_path, "SELECT DISTINCT reason FROM deliveries WHERE kind = 'broadcast'")
    assert reasons == [("broadcast_cancelled",)] and len(claimed) == 2


async def test_a_scheduled_broadcast_starts_sending_at_its_time(services: Services, clock: FakeClock) -> None:
    fay = await facilitator(services)
    await new_cohort(fay)
    await crowd(services, 1, 3)
    now = clock.now()
    draft = await services.store.broadcasts.draft(1, "Later", [1], now)
    later = await broadcasts.launch(services.store, draft, now + timedelta(hours=2), now)
    assert later is not None and later.status == "scheduled"
    await report(services)
    clock.advance(hours=2)
    await report(services)
    started = await services.store.broadcasts.get(later.id)
    assert started is not None and started.status == "sending"
