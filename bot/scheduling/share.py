"""Several bot processes on one database share each platform's sending budget.

Telegram's limit (about 30 messages a second) is the bot's and WhatsApp's throughput is the number's, whatever
the number of processes sending for them. Each process therefore writes a heartbeat per channel every
HEARTBEAT_SECONDS, counts the processes whose heartbeat is younger than EXPIRY, and paces each channel at its
share: rate / live processes, the Telegram ceiling likewise. A process that stops cleanly deletes its rows, so
the others take its share at their next heartbeat; one that dies is forgotten after EXPIRY (until then the
others send a little under the limit, never over it). A process that joins sends nothing for JOIN_HOLD_SECONDS,
until every other process has seen it at its next heartbeat and slowed down; until then their sum and its
would be over the limit. On SQLite one process owns the database: nothing is
written and every pace keeps its whole budget. The processes' clocks must agree to within a few seconds (NTP).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from bot.core.clock import Clock
from bot.scheduling.pace import Pace
from bot.storage.store import Store

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
# Five heartbeats: a process busy for a few seconds (a long drain, a slow database) is not counted dead.
EXPIRY = timedelta(seconds=10)
# The others' next heartbeat comes within HEARTBEAT_SECONDS; half as long again for a busy loop or database.
JOIN_HOLD_SECONDS = 1.5 * HEARTBEAT_SECONDS


class BudgetShare:
    """This process's place among the processes sending for the same bot and numbers."""

    def __init__(self, store: Store, paces: Mapping[str, Pace], clock: Clock) -> None:
        self.store = store
        self.paces = dict(paces)
        self.clock = clock
        self.process = secrets.token_hex(8)  # random per run: names no machine and no one
        self.sharing = {channel: 1 for channel in self.paces}  # processes counted at the last heartbeat
        self._last: datetime | None = None  # this process's last heartbeat that reached the database

    async def beat(self) -> None:
        """Say this process is alive, count the live ones, and pace each channel at its share; on joining (first,
        or back after the others took it for dead), hold the sends until the others have made room."""
        if not self.store.shared or not self.paces:
            return
        now = self.clock.now()
        joining = self._last is None or now - self._last >= EXPIRY
        processes = self.store.processes
        await processes.beat(self.process, self.paces, now)
        self._last = now
        alive = await processes.alive(now - EXPIRY)
        await processes.prune(now - EXPIRY)
        for channel, pace in self.paces.items():
            count = max(alive.get(channel, 1), 1)
            if count != self.sharing[channel]:
                log.info("%s: %s processes share the sending budget", channel, count)
            self.sharing[channel] = count
            pace.share(count)
            if joining and count > 1:
                pace.hold(JOIN_HOLD_SECONDS)

    def readings(self, channel: str) -> tuple[Callable[[], float], Callable[[], float]]:
        """For the metrics, read at each scrape: the sends waiting for this channel's budget, and the processes
        sharing it."""
        pace = self.paces[channel]
        return (lambda: pace.waiting), (lambda: self.sharing[channel])

    async def leave(self) -> None:
        """A clean stop: the other processes take this one's share at their next heartbeat."""
        if self.store.shared and self.paces:
            await self.store.processes.leave(self.process)
