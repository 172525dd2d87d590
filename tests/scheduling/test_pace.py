"""Pace: sends evenly spaced per channel, no catching up after a pause, and a 429's retry_after holds them all."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.clock import FakeClock
from bot.scheduling.pace import CHANNEL_RATES, channel_paces
from tests.broadcasting import fake_pace

pytestmark = pytest.mark.both_engines


async def released(clock: FakeClock, waiters: int, per_second: float) -> list[float]:
    pace = fake_pace(clock, per_second)
    start = clock.now().timestamp()
    times: list[float] = []

    async def one() -> None:
        await pace.wait()
        times.append(round(clock.now().timestamp() - start, 6))

    await asyncio.gather(*(one() for _ in range(waiters)))
    return times


async def test_waiters_go_one_per_interval(clock: FakeClock) -> None:
    assert await released(clock, 5, per_second=10) == [0.0, 0.1, 0.2, 0.3, 0.4]


async def test_a_pause_is_not_caught_up_with_a_burst(clock: FakeClock) -> None:
    pace = fake_pace(clock, 10)
    await pace.wait()
    clock.advance(seconds=5)
    start = clock.now()
    await pace.wait()
    await pace.wait()
    assert (clock.now() - start).total_seconds() == 0.1


async def test_hold_stops_everything_for_retry_after(clock: FakeClock) -> None:
    pace = fake_pace(clock, 10)
    await pace.wait()
    pace.hold(3)
    start = clock.now()
    await pace.wait()
    assert (clock.now() - start).total_seconds() == 3


def test_platforms_are_paced_under_their_published_ceilings() -> None:
    assert CHANNEL_RATES["telegram"] < 30 and CHANNEL_RATES["whatsapp"] < 80
    assert "console" not in channel_paces()
