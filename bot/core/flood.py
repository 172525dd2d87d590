"""Per-person flood control: past a burst, one polite notice, then a short quiet period.

Kept in memory only: how fast someone types is not worth storing about them.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from enum import Enum

from bot.core.messages import Address

WINDOW = timedelta(minutes=1)
LIMIT = 30
QUIET = timedelta(minutes=2)
# A crisis word always gets through, with the full help card at most this often; more crisis words inside it
# go through ordinary flood control and get the short urgent line, so they cannot be used to flood.
CARD_EVERY = timedelta(minutes=1)
MAX_TRACKED = 50_000


class Verdict(Enum):
    ALLOW = "allow"
    WARN = "warn"  # the one message that says we are pausing
    DROP = "drop"


class FloodGuard:
    def __init__(self, limit: int = LIMIT, window: timedelta = WINDOW, quiet: timedelta = QUIET) -> None:
        self.limit = limit
        self.window = window
        self.quiet = quiet
        self._seen: dict[Address, deque[datetime]] = {}
        self._quiet_until: dict[Address, datetime] = {}
        self._card_at: dict[tuple[Address, str], datetime] = {}

    def check(self, address: Address, now: datetime) -> Verdict:
        until = self._quiet_until.get(address)
        if until is not None:
            if now < until:
                return Verdict.DROP
            del self._quiet_until[address]
            self._seen.pop(address, None)
        times = self._seen.setdefault(address, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        times.append(now)
        if len(times) > self.limit:
            self._quiet_until[address] = now + self.quiet
            return Verdict.WARN
        self._prune(now)
        return Verdict.ALLOW

    def help_card_due(self, address: Address, now: datetime, kind: str = "") -> bool:
        """True (and remembered) when this person has had no help card of this kind within CARD_EVERY.

        Per kind: someone who wrote about wanting to die and then about a friend not breathing needs both cards.
        """
        last = self._card_at.get((address, kind))
        if last is not None and now - last < CARD_EVERY:
            return False
        self._card_at[(address, kind)] = now
        if len(self._card_at) > MAX_TRACKED:
            for stale in [a for a, t in self._card_at.items() if now - t >= CARD_EVERY]:
                del self._card_at[stale]
        return True

    def _prune(self, now: datetime) -> None:
        if len(self._seen) <= MAX_TRACKED:
            return
        for address in [a for a, t in self._seen.items() if not t or now - t[-1] > self.window]:
            del self._seen[address]
