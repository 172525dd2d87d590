"""Pace: sends evenly spaced per channel, no catching up after a pause, and a 429's retry_after holds them all."""

from __future__ import annotations

import asyncio
import random

import pytest

from bot.core.clock import FakeClock
from bot.scheduling.pace import CHANNEL_RATES, Pace, channel_paces
from tests.broadcasting import fake_pace, fake_sleep

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


# The platforms' published overall ceilings, in messages a second.
CEILINGS = {"telegram": 30, "whatsapp": 80}


async def test_platforms_are_paced_under_their_published_ceilings(clock: FakeClock) -> None:
    """Release three seconds' worth of sends through each channel's real Pace; no one-second window may
    hold more than the platform allows, and the pace is not needlessly slow either."""
    paces = channel_paces(now=lambda: clock.now().timestamp(), sleep=fake_sleep(clock))
    assert set(paces) == set(CEILINGS)  # the console is not paced
    for channel, pace in paces.items():
        start = clock.now()
        times = []
        for _ in range(3 * CEILINGS[channel]):
            await pace.wait()
            times.append((clock.now() - start).total_seconds())  # exact microseconds, no float noise
        busiest = max(sum(1 for t in times if first <= t < first + 1) for first in times)
        assert CEILINGS[channel] * 0.8 <= busiest <= CEILINGS[channel], channel
    assert set(CHANNEL_RATES) == set(paces)
    assert "console" not in paces


class HeldTime:
    """Time that stands still until the test lets it run, so every waiter is queued before the next slot."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.running = asyncio.Event()

    def now(self) -> float:
        return self.seconds

    async def sleep(self, seconds: float) -> None:
        target = self.seconds + seconds
        await self.running.wait()
        self.seconds = max(self.seconds, target)
        await asyncio.sleep(0)


async def test_an_urgent_waiter_goes_before_proactive_ones_that_came_first() -> None:
    """One budget for replies and the outbox: someone waiting on an answer goes next, the broadcast after."""
    time = HeldTime()
    pace = Pace(10, now=time.now, sleep=time.sleep)
    order: list[str] = []

    async def one(name: str, urgent: bool) -> None:
        await pace.wait(urgent)
        order.append(name)

    await pace.wait()  # this slot is taken: everyone below waits for the next ones
    waiters = [asyncio.create_task(one(f"copy-{n}", False)) for n in range(3)]
    await asyncio.sleep(0)
    waiters.append(asyncio.create_task(one("reply", True)))
    await asyncio.sleep(0)
    time.running.set()
    await asyncio.gather(*waiters)
    assert order == ["reply", "copy-0", "copy-1", "copy-2"]


async def test_urgent_waiters_go_first_come_first_served(clock: FakeClock) -> None:
    pace = fake_pace(clock, 10)
    order: list[int] = []

    async def one(n: int) -> None:
        await pace.wait(urgent=True)
        order.append(n)

    await asyncio.gather(*(one(n) for n in range(4)))
    assert order == [0, 1, 2, 3]


async def test_a_cancelled_waiter_does_not_hold_up_the_others(clock: FakeClock) -> None:
    pace = fake_pace(clock, 10)
    await pace.wait()
    gone = asyncio.create_task(pace.wait(urgent=True))
    await asyncio.sleep(0)
    gone.cancel()
    await pace.wait()
    assert pace.waiting == 0


async def test_paid_broadcasts_give_the_outbox_its_own_budget(clock: FakeClock) -> None:
    """With TELEGRAM_PAID_BROADCAST the outbox goes at its own (paid) rate and leaves replies' budget alone."""
    pace = fake_pace(clock, 10, outbox_per_second=1000)
    start = clock.now()
    for _ in range(100):
        await pace.wait(urgent=False)
    assert round((clock.now() - start).total_seconds(), 3) == 0.099
    before = clock.now()
    await pace.wait(urgent=True)
    assert clock.now() == before, "the reply's budget was not used by the outbox"


async def test_a_busy_loop_waking_late_does_not_slow_the_pace(clock: FakeClock) -> None:
    """Under load the event loop wakes the waiting sender a few milliseconds late, every time. The pace keeps to
    its schedule instead of starting again from each late wake-up (which, at 29 a second, lost one send in
    thirty and stretched a burst's waits by a fifth), and still never puts more than 30 sends in one second."""
    lateness = random.Random(18)

    async def sleep_late(seconds: float) -> None:
        await fake_sleep(clock)(seconds + lateness.uniform(0, 0.008))

    pace = Pace(29, now=lambda: clock.now().timestamp(), sleep=sleep_late)
    start = clock.now()
    times: list[float] = []
    for _ in range(90):
        await pace.wait()
        times.append((clock.now() - start).total_seconds())
    assert times[-1] <= 89 / 29 + 0.008, f"90 sends took {times[-1]:.3f} s; the schedule allows {89 / 29:.3f} s"
    busiest = max(sum(1 for t in times if first <= t < first + 1) for first in times)
    assert busiest <= 30


async def test_a_share_spaces_the_sends_after_the_next_slot_and_a_full_share_comes_back(clock: FakeClock) -> None:
    """Two processes sending for one bot each take half: the send already due next keeps its slot, the ones after
    go at twice the spacing; back alone, the full rate from the next slot on."""
    pace = fake_pace(clock, 10)
    start = clock.now()
    times: list[float] = []

    async def send() -> None:
        await pace.wait()
        times.append(round((clock.now() - start).total_seconds(), 6))

    for _ in range(3):
        await send()
    pace.share(2)
    for _ in range(3):
        await send()
    pace.share(1)
    for _ in range(2):
        await send()
    assert times == [0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0]


async def test_a_share_changed_while_people_wait_keeps_urgent_first_and_arrival_order() -> None:
    time = HeldTime()
    pace = Pace(10, now=time.now, sleep=time.sleep)
    order: list[tuple[str, float]] = []

    async def one(name: str, urgent: bool) -> None:
        await pace.wait(urgent)
        order.append((name, round(time.seconds, 6)))

    await pace.wait()
    waiters = [asyncio.create_task(one(f"copy-{n}", False)) for n in range(3)]
    await asyncio.sleep(0)
    waiters.append(asyncio.create_task(one("reply", True)))
    await asyncio.sleep(0)
    pace.share(2)  # a second process came up while they wait
    time.running.set()
    await asyncio.gather(*waiters)
    assert order == [("reply", 0.1), ("copy-0", 0.3), ("copy-1", 0.5), ("copy-2", 0.7)]
    assert pace.waiting == 0


async def test_a_share_divides_the_ceiling_and_the_paid_budget(clock: FakeClock) -> None:
    paces = channel_paces({"telegram": 29.0}, {"telegram": 1000.0}, now=lambda: clock.now().timestamp(),
                          sleep=fake_sleep(clock))
    telegram = paces["telegram"]
    assert telegram.ceiling == 30
    telegram.share(2)
    assert telegram.ceiling == 15
    telegram.share(4)
    assert telegram.ceiling == 7
    telegram.share(100)
    assert telegram.ceiling == 1
    telegram.share(0)  # nobody seen (not even this process yet): the whole budget, never a division by zero
    assert telegram.ceiling == 30
    telegram.share(2)
    start = clock.now()
    for _ in range(100):
        await telegram.wait(urgent=False)  # the paid broadcast budget is the bot's too: halved
    assert round((clock.now() - start).total_seconds(), 3) == 0.198
