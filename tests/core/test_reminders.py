from __future__ import annotations

import pytest

from bot.app import Services
from tests.helpers import Chat, rows
from tests.outbox import remind

pytestmark = pytest.mark.both_engines


async def test_remind_sets_a_daily_time_in_the_persons_zone(services: Services) -> None:
    ana = Chat(services.engine, "ana")
    await ana.consent()
    await ana.send("/remind")
    assert "Daily reminder: off" in ana.text
    await ana.press("Time zone")
    await ana.press("Lagos")
    await ana.press("Set a time")
    await ana.send("20:15")
    assert "every day at 20:15" in ana.text and "Africa/Lagos" in ana.text
    assert rows(services.settings.database_path, "SELECT enabled, at_minute, datetime(next_at, 'unixepoch')"
                " FROM reminder_settings") == [(1, 20 * 60 + 15, "2026-01-15 19:15:00")]


async def test_a_time_inside_quiet_hours_is_refused_and_changes_nothing(services: Services) -> None:
    ana = Chat(services.engine, "ana")
    await ana.consent()
    await remind(ana, "Set a time", "23:30")
    assert "falls in your quiet hours (22:00–07:00)" in ana.text
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM reminder_settings") == [(0,)]
    await ana.send("25:99")
    assert "couldn't read that time" in ana.text
    await ana.send("19:00")
    await remind(ana, "Quiet hours", "18:00-08:00")  # new hours are kept; the reminder time is asked again
    assert "Your quiet hours are now 18:00–08:00" in ana.text and "reminder at 19:00 falls inside" in ana.text
    await ana.send("12:00")
    assert "every day at 12:00" in ana.text and "Quiet hours (no messages from me): 18:00–08:00" in ana.text


async def test_turning_the_reminder_off_cancels_one_waiting(services: Services) -> None:
    ana = Chat(services.engine, "ana")
    await ana.consent()
    await remind(ana, "Set a time", "20:00")
    await services.store.deliveries.enqueue(1, "reminder", "reminder:1:2026-01-15", services.clock.now(), {},
                                            services.clock.now())
    await ana.press("Turn reminder off")
    assert "Daily reminder: off" in ana.text
    db = services.settings.database_path
    assert rows(db, "SELECT status, reason FROM deliveries") == [("cancelled", "reminder_off")]
    assert rows(db, "SELECT enabled, next_at FROM reminder_settings") == [(0, None)]


async def test_a_stopped_person_is_told_that_nothing_will_come(services: Services) -> None:
    ana = Chat(services.engine, "ana")
    await ana.consent()
    await ana.send("/stop")
    await ana.send("/remind")
    assert "until you send /start" in ana.text
