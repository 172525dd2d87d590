from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.outbound import RetryLater
from bot.scheduling.dispatcher import LEASE, MAX_ATTEMPTS, backoff
from tests.helpers import Chat, rows
from tests.outbox import FakeSender, dispatcher

pytestmark = pytest.mark.both_engines

NOTICE = {"key": "remind.saved", "values": {}}


async def person(services: Services, name: str = "ana") -> Chat:
    chat = Chat(services.engine, name)
    await chat.consent()
    return chat


async def notice(services: Services, contact_id: int, key: str, minutes: float = 0) -> int | None:
    now = services.clock.now()
    return await services.store.deliveries.enqueue(contact_id, "notice", key, now + timedelta(minutes=minutes),
                                                   NOTICE, now)


def statuses(services: Services) -> list[tuple[object, ...]]:
    return rows(services.settings.database_path, "SELECT id, status, attempts, reason, provider_id FROM deliveries"
                                                 " ORDER BY id")


async def test_due_rows_are_sent_once_with_the_provider_id(services: Services, clock: FakeClock) -> None:
    await person(services)
    sender = FakeSender()
    await notice(services, 1, "a")
    await notice(services, 1, "b", minutes=10)
    assert await notice(services, 1, "a") is None  # the idempotency key holds
    assert await dispatcher(services, sender).drain() == 1
    assert sender.texts() == ["Saved ✅"]
    assert sender.sent[0].kind == "notice" and sender.sent[0].address.id == "ana"
    clock.advance(minutes=10)
    await dispatcher(services, sender).drain()
    assert await dispatcher(services, sender).drain() == 0
    assert statuses(services) == [(1, "sent", 1, None, "msg-1"), (2, "sent", 1, None, "msg-2")]


async def test_retry_later_backs_off_and_respects_retry_after(services: Services, clock: FakeClock) -> None:
    await person(services)
    sender = FakeSender(fail_with=[RetryLater("429", retry_after=120), RetryLater("502")])
    await notice(services, 1, "a")
    await dispatcher(services, sender).drain()
    row = await services.store.deliveries.get(1)
    assert row is not None and row.due_at == clock.now() + timedelta(seconds=120) and row.reason == "retry"
    clock.advance(seconds=119)
    assert await dispatcher(services, sender).drain() == 0
    clock.advance(seconds=1)
    await dispatcher(services, sender).drain()
    row = await services.store.deliveries.get(1)
    assert row is not None and row.attempts == 2 and row.due_at == clock.now() + backoff(2, None)
    clock.advance(minutes=1)
    await dispatcher(services, sender).drain()
    assert statuses(services) == [(1, "sent", 3, None, "msg-1")]


async def test_a_row_that_keeps_failing_is_given_up(services: Services, clock: FakeClock) -> None:
    await person(services)
    sender = FakeSender(fail_with=[RetryLater("503") for _ in range(MAX_ATTEMPTS)])
    await notice(services, 1, "a")
    for _ in range(MAX_ATTEMPTS):
        await dispatcher(services, sender).drain()
        clock.advance(hours=1)
    assert statuses(services) == [(1, "failed", MAX_ATTEMPTS, "gave_up:retry", None)]


async def test_a_403_marks_the_person_blocked_and_cancels_what_waits(services: Services) -> None:
    ana = await person(services)
    await person(services, "bob")
    sender = FakeSender(unreachable={"ana"})
    for key in ("a", "b", "c"):
        await notice(services, 1, key, minutes=0 if key == "a" else 60)
    await notice(services, 2, "d")
    await dispatcher(services, sender).drain()
    db = services.settings.database_path
    assert rows(db, "SELECT status FROM contacts ORDER BY id") == [("blocked",), ("active",)]
    assert statuses(services) == [(1, "failed", 1, "blocked", None), (2, "cancelled", 0, "blocked", None),
                                  (3, "cancelled", 0, "blocked", None), (4, "sent", 1, None, "msg-1")]
    await ana.send("/menu")  # writing again makes them reachable
    assert rows(db, "SELECT status FROM contacts ORDER BY id") == [("active",), ("active",)]


async def test_rows_left_in_sending_by_a_crash_are_recovered(services: Services) -> None:
    await person(services)
    for key in ("a", "b"):
        await notice(services, 1, key)
    claimed = await services.store.deliveries.claim_due(services.clock.now(), 10)
    assert [d.id for d in claimed] == [1, 2]  # ... and the process dies here, mid-send
    sender = FakeSender()
    restarted = dispatcher(services, sender)
    assert await restarted.drain() == 0  # nothing is due while rows are in flight
    if services.store.shared:  # several processes: another one's rows in flight stay theirs until the lease ends
        assert await restarted.recover() == 0
        services.clock.advance(seconds=LEASE.total_seconds() + 1)  # type: ignore[attr-defined]
    assert await restarted.recover() == 2
    assert await restarted.drain() == 2
    assert [row[1] for row in statuses(services)] == ["sent", "sent"]
    assert len(sender.sent) == 2


async def test_stopped_people_are_skipped_with_a_reason(services: Services) -> None:
    ana = await person(services)
    await notice(services, 1, "a")
    await services.store.contacts.update(1, status="stopped")  # e.g. stopped on another device meanwhile
    sender = FakeSender()
    await dispatcher(services, sender).drain()
    assert sender.sent == []
    assert statuses(services) == [(1, "cancelled", 0, "stopped", None)]
    await ana.send("/start")
    await ana.send("/stop")
    await notice(services, 1, "b")
    await dispatcher(services, sender).drain()
    assert sender.sent == []


async def test_quiet_hours_postpone_to_their_end(services: Services, clock: FakeClock) -> None:
    await person(services)
    clock.advance(hours=13, minutes=30)  # 22:30 UTC, the person's zone
    await notice(services, 1, "a")
    sender = FakeSender()
    await dispatcher(services, sender).drain()
    row = await services.store.deliveries.get(1)
    assert row is not None and row.status == "pending" and row.reason == "quiet_hours" and row.attempts == 0
    assert row.due_at.isoformat() == "2026-01-16T07:00:00+00:00"
    clock.advance(hours=8, minutes=30)
    await dispatcher(services, sender).drain()
    assert sender.texts() == ["Saved ✅"]


async def test_a_person_on_a_channel_that_is_not_running_waits(services: Services) -> None:
    await person(services)
    await notice(services, 1, "a")
    await dispatcher(services, FakeSender(channel="telegram")).drain()
    assert statuses(services) == [(1, "pending", 1, "no_channel", None)]


async def test_a_broken_sender_does_not_stop_the_others(services: Services) -> None:
    await person(services)
    await person(services, "bob")
    await notice(services, 1, "a")
    await notice(services, 2, "b")
    sender = FakeSender(fail_with=[RuntimeError("bug")])
    await dispatcher(services, sender).drain()
    assert sorted(row[1:4] for row in statuses(services)) == [("pending", 1, "error"), ("sent", 1, None)]


async def test_many_rows_go_out_in_batches_without_loss_or_duplicates(services: Services) -> None:
    await person(services)
    now = services.clock.now()
    from bot.storage.deliveries import NewDelivery

    rows_in = [NewDelivery(1, "notice", f"bulk:{i}", now, NOTICE) for i in range(1000)]
    assert await services.store.deliveries.enqueue_many(rows_in, now) == 1000
    assert await services.store.deliveries.enqueue_many(rows_in, now) == 0
    sender = FakeSender()
    assert await dispatcher(services, sender).drain() == 1000
    assert len(sender.sent) == 1000
    assert rows(services.settings.database_path, "SELECT status, COUNT(*) FROM deliveries GROUP BY 1") == [
        ("sent", 1000)]
