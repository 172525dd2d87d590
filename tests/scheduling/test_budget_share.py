"""Processes on one database share each platform's sending budget: Telegram's limit is the bot's and WhatsApp's
the number's, not a process's. On SQLite (one process) nothing changes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import Services, build_services
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.scheduling.pace import Pace
from bot.scheduling.scheduler import Scheduling
from bot.scheduling.share import EXPIRY, HEARTBEAT_SECONDS, JOIN_HOLD_SECONDS
from tests.broadcasting import fake_pace
from tests.helpers import rows

pytestmark = pytest.mark.both_engines


@pytest.fixture
async def other(settings: Settings, clock: FakeClock) -> AsyncIterator[Services]:
    """A second process's services on the same database (its own connections)."""
    built = await build_services(settings, clock)
    yield built
    await built.close()


def process(services: Services, pace: Pace) -> Scheduling:
    return Scheduling(services.store, services.library, services.clock, {}, paces={"telegram": pace})


async def gap(pace: Pace, clock: FakeClock) -> float:
    """Seconds between two sends in a row: the pace's spacing now."""
    await pace.wait()
    before = clock.now()
    await pace.wait()
    return round((clock.now() - before).total_seconds(), 6)


def registered(services: Services) -> list[tuple[object, ...]]:
    return rows(services.settings.database_path, "SELECT channel FROM bot_processes ORDER BY channel")


async def test_two_processes_each_take_half_and_one_left_alone_takes_it_all_back(
        services: Services, other: Services, clock: FakeClock) -> None:
    first_pace, second_pace = fake_pace(clock, 10, ceiling=30), fake_pace(clock, 10)
    first, second = process(services, first_pace), process(other, second_pace)
    await first.share_budget()
    await second.start()  # a second process comes up: it counts itself and the first at once
    try:
        joined = clock.now()
        await second_pace.wait()
        waited = (clock.now() - joined).total_seconds()
        await first.share_budget()  # the first sees it at its next heartbeat
        if services.store.shared:
            # The newcomer sends nothing until the others have certainly seen it and made room.
            assert waited == JOIN_HOLD_SECONDS > HEARTBEAT_SECONDS
            assert await gap(first_pace, clock) == await gap(second_pace, clock) == 0.2
            assert first_pace.ceiling == 15
            assert registered(services) == [("telegram",), ("telegram",)]
        else:  # SQLite: one process owns the database, nothing is written and nothing shared
            assert await gap(first_pace, clock) == await gap(second_pace, clock) == 0.1
            assert first_pace.ceiling == 30
            assert registered(services) == []
            assert waited == 0
    finally:
        await second.stop()  # a clean stop leaves its share to the others
    await first.share_budget()
    assert await gap(first_pace, clock) == 0.1
    assert first_pace.ceiling == 30
    assert len(registered(services)) == (1 if services.store.shared else 0)


async def test_a_process_that_died_is_forgotten_after_the_expiry(
        services: Services, other: Services, clock: FakeClock) -> None:
    first_pace, dead_pace = fake_pace(clock, 10), fake_pace(clock, 10)
    first, dead = process(services, first_pace), process(other, dead_pace)
    await first.share_budget()
    await dead.share_budget()  # it joins, then is killed: it never says goodbye
    await first.share_budget()
    halved = 0.2 if services.store.shared else 0.1
    assert await gap(first_pace, clock) == halved
    clock.advance(seconds=EXPIRY.total_seconds() - 2)
    await first.share_budget()
    assert await gap(first_pace, clock) == halved, "not yet expired: a slow process is not taken for dead"
    clock.advance(seconds=3)
    await first.share_budget()
    assert await gap(first_pace, clock) == 0.1
    assert len(registered(services)) == (1 if services.store.shared else 0)  # the dead one's row is gone
    # It was only stalled, not dead: back, it is a newcomer again and waits until the first has made room.
    await dead.share_budget()
    back = clock.now()
    await dead_pace.wait()
    assert (clock.now() - back).total_seconds() == (JOIN_HOLD_SECONDS if services.store.shared else 0)
