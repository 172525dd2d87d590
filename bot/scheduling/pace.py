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

Telegram counts messages as its servers receive them. When the server or the network stalls and then takes in
what queued up at once, evenly spaced sends arrive in a clump, and the clump plus the next second's sends is
past the limit: a 429, which holds every send. A channel with a `ceiling` therefore also counts each send made
through `sending()` from the moment it leaves until a second after its answer came (the server received it in
between), and lets no send go while `ceiling` of them are counted. Near the server this never binds (29 a
second with answers in a few milliseconds stays under 30); it binds after a stall, and on a server far from
Telegram's it caps the pace at ceiling / (1 + round trip): about 27 a second with a 100 ms round trip.

The limits are the bot's (Telegram) or the number's (WhatsApp), not a process's: when several bot processes
send for one bot, each takes its share (`share`), and the schedule goes on from its next slot at the new spacing.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

# Sends per second per channel, a little under each platform's published ceiling (Telegram about 30 overall,
# WhatsApp 80 per number); channels missing here (the console) are not paced.
CHANNEL_RATES: Mapping[str, float] = {"telegram": 29.0, "whatsapp": 70.0}
# Hard ceilings: at most this many messages may reach the platform within any one second (see `sending`).
CHANNEL_CEILINGS: Mapping[str, int] = {"telegram": 30}
WINDOW_S = 1.0
# A send due within this much of now goes now: no clock is finer, and a sub-microsecond sleep only spins.
TOLERANCE_S = 1e-6
# Telegram's paid broadcasts allow up to 1,000 messages a second; stay a little under, as above.
PAID_BROADCAST_RATE = 950.0
# How late a wake-up may be and still count as on schedule, as a share of the interval. Any one-second window
# then holds at most rate × (1 + share × interval) sends: at 29 a second the 30-a-second ceiling keeps 26 ms for
# network jitter.
LATE_ALLOWANCE = 0.25


class Pace:
    def __init__(self, per_second: float, *, ceiling: int | None = None, outbox_per_second: float | None = None,
                 now: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.per_second = per_second
        self.full_ceiling = ceiling
        self.processes = 1  # how many processes share this budget (see `share`)
        self.interval = 1.0 / per_second
        self.ceiling = ceiling
        self._in_flight = 0
        self._answered: deque[float] = deque()  # when each answer of the last second came, oldest first
        self._allowance = LATE_ALLOWANCE * self.interval
        self._now = now
        self._sleep = sleep
        self._anchor = float("-inf")  # the schedule: send k may go at anchor + k × interval
        self._sent = 0
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
                crowded = self._crowded_for(now)
                if now >= self._next - TOLERANCE_S and crowded <= 0:
                    heapq.heappop(self._queue)
                    if now - self._next > self._allowance:  # too late to keep to the schedule: start a new one
                        self._anchor, self._sent = now, 0
                    self._sent += 1
                    self._wake_head()
                    return
                await self._sleep(max(self._next - now, crowded))
        except BaseException:
            self._parked.pop(ticket, None)
            if ticket in self._queue:
                self._queue.remove(ticket)
                heapq.heapify(self._queue)
                self._wake_head()
            raise

    @asynccontextmanager
    async def sending(self, urgent: bool = False) -> AsyncIterator[None]:
        """Wait for this send's turn, then count it against the ceiling until a second after its answer: make the
        call, and await its answer, inside the block."""
        if not urgent and self.outbox is not None:
            await self.outbox.wait()
            yield
            return
        await self.wait(urgent)
        if self.ceiling is None:
            yield
            return
        self._in_flight += 1
        try:
            yield
        finally:
            self._in_flight -= 1
            self._answered.append(self._now())

    def _crowded_for(self, now: float) -> float:
        """Seconds until one more send fits under the ceiling; 0 when it fits now."""
        if self.ceiling is None:
            return 0.0
        while self._answered and now - self._answered[0] >= WINDOW_S:
            self._answered.popleft()
        if self._in_flight + len(self._answered) < self.ceiling:
            return 0.0
        # Full with sends still out: look again after one interval (an answer may have come by then).
        return self._answered[0] + WINDOW_S - now if self._answered else self.interval

    @property
    def _next(self) -> float:
        """When the next send may go (computed, not summed, so the schedule does not drift with rounding)."""
        return self._anchor + self._sent * self.interval

    def _wake_head(self) -> None:
        """Tell the waiter now at the head of the queue (if it is parked) to watch the clock."""
        if self._queue:
            parked = self._parked.pop(self._queue[0], None)
            if parked is not None and not parked.done():
                parked.set_result(None)

    def share(self, processes: int) -> None:
        """Take one `processes`-th of the channel's rate and ceiling (the ceiling rounded down, at least 1), because
        that many processes send for the same bot or number.

        The schedule is re-anchored at its next slot: the send due next still goes then (never earlier, so the
        processes' sum stays under the limit; never later than already promised), the ones after at the new
        spacing, and the queue (urgent first, then arrival order) is left as it is.
        """
        processes = max(processes, 1)
        if processes == self.processes:
            return
        self._anchor, self._sent = self._next, 0
        self.processes = processes
        self.interval = processes / self.per_second
        self._allowance = LATE_ALLOWANCE * self.interval
        if self.full_ceiling is not None:
            self.ceiling = max(self.full_ceiling // processes, 1)
        if self.outbox is not None:
            self.outbox.share(processes)

    @property
    def waiting(self) -> int:
        return len(self._queue)

    def hold(self, seconds: float) -> None:
        """Let nothing through for `seconds` (the platform said retry_after: it means the whole bot)."""
        until = self._now() + seconds
        if until > self._next:
            self._anchor, self._sent = until, 0
        if self.outbox is not None:
            self.outbox.hold(seconds)


def channel_paces(rates: Mapping[str, float] = CHANNEL_RATES, outbox_rates: Mapping[str, float] | None = None, *,
                  now: Callable[[], float] = time.monotonic,
                  sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> dict[str, Pace]:
    """One shared Pace per channel, with its platform's ceiling; `outbox_rates` gives a channel's outbox a
    budget of its own."""
    outbox = outbox_rates or {}
    return {channel: Pace(rate, ceiling=CHANNEL_CEILINGS.get(channel), outbox_per_second=outbox.get(channel),
                          now=now, sleep=sleep)
            for channel, rate in rates.items()}
