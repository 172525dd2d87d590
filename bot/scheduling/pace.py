"""Pacing per channel, so a big broadcast stays under the platform's overall rate instead of collecting 429s.

Each send waits until at least 1/rate seconds have passed since the previous one was let through. Evenly
spaced sends (no bursts, no catching up after a pause) keep every one-second window under the limit even
when requests arrive with a little jitter, which a token bucket's opening burst does not.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping

# Sends per second per channel, a little under each platform's published ceiling (Telegram about 30 overall,
# WhatsApp 80 per number); channels missing here (the console) are not paced.
CHANNEL_RATES: Mapping[str, float] = {"telegram": 29.0, "whatsapp": 70.0}


class Pace:
    def __init__(self, per_second: float, *, now: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.interval = 1.0 / per_second
        self._now = now
        self._sleep = sleep
        self._next = float("-inf")

    async def wait(self) -> None:
        """Return when this send may go; waiters that wake together re-check, so only one goes per interval."""
        while True:
            now = self._now()
            if now >= self._next:
                self._next = now + self.interval
                return
            await self._sleep(self._next - now)

    def hold(self, seconds: float) -> None:
        """Let nothing through for `seconds` (the platform said retry_after: it means the whole bot)."""
        self._next = max(self._next, self._now() + seconds)


def channel_paces(rates: Mapping[str, float] = CHANNEL_RATES, *, now: Callable[[], float] = time.monotonic,
                  sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> dict[str, Pace]:
    return {channel: Pace(rate, now=now, sleep=sleep) for channel, rate in rates.items()}
