"""One sending budget per channel, shared by replies and the outbox, so a platform's overall rate is never
overrun by two limiters that each think they own it, and people waiting on an answer go first.

Sends are let through on an even schedule, one every 1/rate seconds. Evenly spaced sends (no bursts, no
catching up after a pause) keep every one-second window under the limit even when requests arrive with a
little jitter, which a token bucket's opening burst does not. A busy event loop wakes the waiting sender a few
milliseconds late; the schedule absorbs up to LATE_ALLOWANCE of that instead of starting again from each late
wake-up, which at 29 a second lost about one send in thirty and stretched a burst's waits by a fifth. Among waiters,
an urgent one (a reply someone is waiting for) always goes before a proactive one (the outbox), and each kind
goes first come first served: a broadcast fills the spare capacity only. With `outbox_per_second` the outbox
has its own budget instead (Telegram's paid broadcasts: billed per message, not counted in the free limit).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Awaitable, Callable, Mapping

# Sends per second per channel, a little under each platform's published ceiling (Telegram about 30 overall,
# WhatsApp 80 per number); channels missing here (the console) are not paced.
CHANNEL_RATES: Mapping[str, float] = {"telegram": 29.0, "whatsapp": 70.0}
# Telegram's paid broadcasts allow up to 1,000 messages a second; stay a little under, as above.
PAID_BROADCAST_RATE = 950.0
# How late a wake-up may be and still count as on schedule, as a share of the interval. Any one-second window
# then holds at most rate × (1 + share × interval) sends: at 29 a second the 30-a-second ceiling keeps 26 ms for
# network jitter.
LATE_ALLOWANCE = 0.25


class Pace:
    def __init__(self, per_second: float, *, outbox_per_second: float | None = None,
                 now: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.interval = 1.0 / per_second
        self._allowance = LATE_ALLOWANCE * self.interval
        self._now = now
        self._sleep = sleep
        self._next = float("-inf")
        self._queue: list[tuple[int, int]] = []  # (0 urgent / 1 proactive, arrival order): the head goes next
        self._order = itertools.count()
        self._parked: dict[tuple[int, int], asyncio.Future[None]] = {}
        self.outbox = Pace(outbox_per_second, now=now, sleep=sleep) if outbox_per_second else None

    async def wait(self, urgent: bool = False) -> None:
        """Return when this send may go: urgent waiters first, then in arrival order, one per interval.

        Only the waiter at the head of the queue watches the clock; the others are parked until they become
        the head, so a queue of dozens costs nothing while it waits.
        """
        if not urgent and self.outbox is not None:
            await self.outbox.wait()
            return
        ticket = (0 if urgent else 1, next(self._order))
        heapq.heappush(self._queue, ticket)
        try:
            while True:
                if self._queue[0] != ticket:
                    parked = asyncio.get_running_loop().create_future()
                    self._parked[ticket] = parked
                    await parked
                    continue
                now = self._now()
                if now >= self._next:
                    heapq.heappop(self._queue)
                    on_schedule = now - self._next <= self._allowance
                    self._next = (self._next if on_schedule else now) + self.interval
                    self._wake_head()
                    return
                await self._sleep(self._next - now)
        except BaseException:
            self._parked.pop(ticket, None)
            if ticket in self._queue:
                self._queue.remove(ticket)
                heapq.heapify(self._queue)
                self._wake_head()
            raise

    def _wake_head(self) -> None:
        """Tell the waiter now at the head of the queue (if it is parked) to watch the clock."""
        if self._queue:
            parked = self._parked.pop(self._queue[0], None)
            if parked is not None and not parked.done():
                parked.set_result(None)

    @property
    def waiting(self) -> int:
        return len(self._queue)

    def hold(self, seconds: float) -> None:
        """Let nothing through for `seconds` (the platform said retry_after: it means the whole bot)."""
        self._next = max(self._next, self._now() + seconds)
        if self.outbox is not None:
            self.outbox.hold(seconds)


def channel_paces(rates: Mapping[str, float] = CHANNEL_RATES, outbox_rates: Mapping[str, float] | None = None, *,
                  now: Callable[[], float] = time.monotonic,
                  sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> dict[str, Pace]:
    """One shared Pace per channel; `outbox_rates` gives a channel's outbox a budget of its own."""
    outbox = outbox_rates or {}
    return {channel: Pace(rate, outbox_per_second=outbox.get(channel), now=now, sleep=sleep)
            for channel, rate in rates.items()}
