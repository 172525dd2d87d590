from __future__ import annotations

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.outbound import RetryLater
from bot.core.proactive.reminders import reminder_tick
from tests.helpers import Chat, rows
from tests.outbox import FakeSender, dispatcher, remind, utc

pytestmark = pytest.mark.both_engines


async def lagos_reminder_at_eight(services: Services) -> Chat:
    ana = Chat(services.engine, "ana")
    await ana.consent()
    await remind(ana, "Time zone", "Lagos")
    await ana.press("Set a time")
    await ana.press("20:00")  # 19:00 UTC
    return ana


async def tick_and_send(services: Services, sender: FakeSender) -> None:
    await reminder_tick(services.store, services.clock.now())
    await dispatcher(services, sender).drain()


async def test_the_reminder_comes_at_the_local_time_every_day(services: Services, clock: FakeClock) -> None:
    await lagos_reminder_at_eight(services)
    sender = FakeSender()
    clock.set(utc("2026-01-15T18:59:00+00:00"))
    await tick_and_send(services, sender)
    assert sender.sent == []
    clock.set(utc("2026-01-15T19:00:00+00:00"))
    await tick_and_send(services, sender)
    await tick_and_send(services, sender)
    assert [text.splitlines()[0] for text in sender.texts()] == ["Your moment for today is here 🌱"]
    clock.set(utc("2026-01-16T19:00:30+00:00"))
    await tick_and_send(services, sender)
    assert len(sender.sent) == 2


async def test_no_reminder_on_a_day_with_a_check_in(services: Services, clock: FakeClock) -> None:
    ana = await lagos_reminder_at_eight(services)
    clock.set(utc("2026-01-15T23:30:00+00:00"))  # 00:30 on the 16th in Lagos
    await ana.send("/checkin")
    await ana.press("Good")
    sender = FakeSender()
    clock.set(utc("2026-01-16T19:00:00+00:00"))
    await tick_and_send(services, sender)
    assert sender.sent == []
    assert rows(services.settings.database_path, "SELECT status, reason FROM deliveries") == [
        ("cancelled", "checked_in")]
    clock.set(utc("2026-01-17T19:00:00+00:00"))
    await tick_and_send(services, sender)
    assert len(sender.sent) == 1


async def test_nothing_after_stop_and_no_late_reminders_after_start(services: Services, clock: FakeClock) -> None:
    ana = await lagos_reminder_at_eight(services)
    await ana.send("/stop")
    sender = FakeSender()
    clock.set(utc("2026-01-15T19:00:00+00:00"))
    await tick_and_send(services, sender)
    clock.set(utc("2026-01-16T19:00:00+00:00"))
    await tick_and_send(services, sender)
    assert sender.sent == []
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM deliveries") == [(0,)]
    clock.set(utc("2026-01-17T09:00:00+00:00"))
    await ana.send("/start")
    await tick_and_send(services, sender)  # yesterday's reminder is stale: skipped, not sent late
    assert sender.sent == []
    clock.set(utc("2026-01-17T19:00:00+00:00"))
    await tick_and_send(services, sender)
    assert len(sender.sent) == 1


async def test_a_reminder_held_into_quiet_hours_is_dropped_when_its_day_is_over(services: Services,
                                                                                   clock: FakeClock) -> None:
    ana = await lagos_reminder_at_eight(services)
    await ana.send("/remind")
    await ana.press("Set a time")
    await ana.send("21:30")  # 20:30 UTC; quiet hours are 22:00-07:00
    clock.set(utc("2026-01-15T20:30:00+00:00"))
    sender = FakeSender(fail_with=[RetryLater("429", retry_after=3600)])
    await tick_and_send(services, sender)
    clock.set(utc("2026-01-15T21:30:00+00:00"))  # 22:30 in Lagos
    await dispatcher(services, sender).drain()
    db = services.settings.database_path
    assert rows(db, "SELECT status, reason, datetime(due_at, 'unixepoch') FROM deliveries") == [
        ("pending", "quiet_hours", "2026-01-16 06:00:00")]
    clock.set(utc("2026-01-16T06:00:00+00:00"))  # 07:00 in Lagos: a new day, yesterday's nudge is not sent
    await dispatcher(services, sender).drain()
    assert sender.sent == []
    assert rows(db, "SELECT status, reason FROM deliveries") == [("cancelled", "expired")]
