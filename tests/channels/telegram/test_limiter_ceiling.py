"""Telegram's limit counts messages as its servers receive them, not as we send them. When the server (or the
network) stalls and then takes in what queued up at once, evenly spaced sends arrive in a clump; the limiter
must still never put more than Telegram's 30 into any one second as the server sees it (each extra one is a
429, and a 429 holds every send, replies included)."""

from __future__ import annotations

import asyncio
import heapq
import itertools

from bot.channels.telegram.limiter import INTERACTIVE, SharedLimiter
from bot.scheduling.pace import channel_paces

TELEGRAM_CEILING = 30
STALL = (0.5, 1.5)  # the server takes nothing in between these moments, then everything that waited at once
ROUND_TRIP = 0.004


class SimulatedTime:
    """A clock for many tasks at once: sleepers wake in order of their deadlines, time jumps between them."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def now(self) -> float:
        return self.seconds

    async def sleep(self, seconds: float) -> None:
        woken = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.seconds + max(seconds, 0.0), next(self._order), woken))
        await woken

    async def run_until(self, work: asyncio.Future[list[None]]) -> None:
        while not work.done():
            for _ in range(50):  # let every runnable task reach its next sleep
                await asyncio.sleep(0)
            if self._sleepers and not work.done():
                deadline, _, woken = heapq.heappop(self._sleepers)
                self.seconds = max(self.seconds, deadline)
                woken.set_result(None)


async def test_a_server_that_stalls_then_takes_a_clump_never_sees_more_than_30_in_a_second() -> None:
    time = SimulatedTime()
    limiter = SharedLimiter(channel_paces(now=time.now, sleep=time.sleep)["telegram"])
    received: list[float] = []

    async def send_message() -> bool:
        """The Bot API: a request sent during the stall is received when the stall ends."""
        sent = time.now()
        arrives = STALL[1] if STALL[0] <= sent < STALL[1] else sent
        await time.sleep(arrives - sent + ROUND_TRIP / 2)
        received.append(arrives)
        await time.sleep(ROUND_TRIP / 2)
        return True

    async def one() -> None:
        await limiter.process_request(send_message, (), {}, "sendMessage", {}, INTERACTIVE)

    work = asyncio.gather(*(one() for _ in range(150)))
    await time.run_until(work)
    assert len(received) == 150
    busiest = max(sum(1 for t in received if first <= t < first + 1.0) for first in received)
    assert busiest <= TELEGRAM_CEILING, f"the server saw {busiest} messages within one second"
