from __future__ import annotations

import io
import logging
from pathlib import Path

import pytest

from bot.app import Services
from bot.channels.console import ConsoleChat, ConsoleSender
from bot.core.messages import Address, Choice, Reply
from bot.core.outbound import Outgoing, RetryLater
from bot.scheduling.dispatcher import LEASE
from bot.scheduling.scheduler import JOB_IDS, Scheduling
from tests.helpers import Chat, rows
from tests.outbox import FakeSender

pytestmark = pytest.mark.both_engines


async def test_start_rebuilds_the_jobs_and_recovers_what_was_in_flight(services: Services) -> None:
    chat = Chat(services.engine)
    await chat.consent()
    await chat.send("/remind")
    await chat.press("Set a time")
    await chat.press("08:00")  # the 08:00 moment of today passed an hour ago: skipped at start, not sent late
    now = services.clock.now()
    await services.store.deliveries.enqueue(1, "notice", "n1", now, {"key": "remind.saved"}, now)
    await services.store.deliveries.claim_due(now, 10)  # a crash left it in `sending`
    if services.store.shared:  # several processes: in-flight rows go again once the lease is over
        services.clock.advance(seconds=LEASE.total_seconds() + 1)  # type: ignore[attr-defined]
    sender = FakeSender()
    scheduling = Scheduling(services.store, services.library, services.clock, {"console": sender})
    await scheduling.start()
    try:
        assert sorted(job.id for job in scheduling.scheduler.get_jobs()) == sorted(JOB_IDS)
        await scheduling.dispatch()
        await scheduling.dispatch()  # a second tick while draining starts nothing new
        await scheduling.idle()
    finally:
        await scheduling.stop()
    assert sender.texts() == ["Saved ✅"]
    assert rows(services.settings.database_path, "SELECT status FROM deliveries") == [("sent",)]


async def test_a_failing_tick_is_logged_and_does_not_stop_the_scheduler(
        services: Services, caplog: pytest.LogCaptureFixture) -> None:
    scheduling = Scheduling(services.store, services.library, services.clock, {})
    await services.store.close()
    with caplog.at_level(logging.ERROR, logger="bot.scheduling.scheduler"):
        await scheduling.reminders()  # the database is gone: logged, not raised
        await scheduling.followups()
    failures = [r for r in caplog.records if r.name == "bot.scheduling.scheduler" and r.levelno == logging.ERROR]
    assert [r.getMessage() for r in failures] == ["reminder tick failed", "follow-up tick failed"]
    assert all(r.exc_info for r in failures)  # with the traceback, for the operator


async def test_the_console_prints_proactive_messages_with_their_choices(services: Services, tmp_path: Path) -> None:
    out = io.StringIO()
    chat = ConsoleChat(services.engine, "you", tmp_path, out)
    sender = ConsoleSender(chat)
    reply = Reply("Your moment for today is here 🌱", (Choice("menu:checkin", "Check in"),))
    await sender.send(Outgoing(Address("console", "you"), "en", (reply,), "reminder"))
    with pytest.raises(RetryLater):  # another console person's message stays in the outbox, never shown here
        await sender.send(Outgoing(Address("console", "bob"), "en", (Reply("Hi"),), "reminder"))
    assert "Your moment for today is here 🌱\n  1. Check in" in out.getvalue()
    assert "bob" not in out.getvalue() and "Hi" not in out.getvalue()
    assert chat.to_incoming("1").choice == "menu:checkin"
