"""APScheduler decides when; the database remembers what.

Jobs with fixed ids, rebuilt at every start (the in-memory job store holds nothing worth keeping):
a reminder tick each minute, a follow-up tick, a peer-support tick each minute (asks nobody answered in
time), a broadcast tick (starts scheduled broadcasts, reports finished ones), and the dispatcher tick that
starts a drain of due rows whenever none is running. Each tick reads the database, so a restart loses nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.core.clock import Clock
from bot.core.i18n import Library
from bot.core.outbound import Sender
from bot.core.peers import SupportMessages, support_tick
from bot.core.proactive.broadcasts import broadcast_tick
from bot.core.proactive.followups import followup_tick
from bot.core.proactive.reminders import reminder_tick
from bot.core.proactive.render import Renderers
from bot.scheduling.dispatcher import LEASE, Dispatcher
from bot.storage.store import Store

log = logging.getLogger(__name__)
# APScheduler logs every run of every job at INFO: a line a second from the dispatcher tick. Ours say enough.
logging.getLogger("apscheduler").setLevel(logging.WARNING)

REMINDER_JOB = "reminder-tick"
FOLLOWUP_JOB = "followup-tick"
DISPATCH_JOB = "dispatcher"
SUPPORT_JOB = "support-tick"
BROADCAST_JOB = "broadcast-tick"
JOB_IDS = (REMINDER_JOB, FOLLOWUP_JOB, SUPPORT_JOB, DISPATCH_JOB, BROADCAST_JOB)


class Scheduling:
    """The scheduler, the dispatcher and the ticks that fill the outbox, started and stopped together."""

    def __init__(self, store: Store, library: Library, clock: Clock, senders: Mapping[str, Sender], *,
                 dispatch_seconds: float = 1.0, followup_minutes: float = 10.0,
                 broadcast_seconds: float = 30.0, lease: timedelta = LEASE) -> None:
        self.store = store
        self.library = library
        self.clock = clock
        self.renderers = Renderers(store, library)
        SupportMessages(store, library).register(self.renderers)
        self.dispatcher = Dispatcher(store, self.renderers, senders, clock, lease=lease)
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.dispatch_seconds = dispatch_seconds
        self.followup_minutes = followup_minutes
        self.broadcast_seconds = broadcast_seconds
        self._drain: asyncio.Task[int] | None = None
        self._stopping = False

    async def start(self) -> None:
        """Recover rows left in flight, catch up on what is due, then start the jobs."""
        await self.dispatcher.recover()
        await self.reminders()
        await self.followups()
        await self.support()
        await self.broadcasts()
        every = {"max_instances": 1, "coalesce": True, "replace_existing": True, "misfire_grace_time": 30}
        self.scheduler.add_job(self.reminders, "interval", minutes=1, id=REMINDER_JOB, **every)
        self.scheduler.add_job(self.followups, "interval", minutes=self.followup_minutes, id=FOLLOWUP_JOB, **every)
        self.scheduler.add_job(self.support, "interval", minutes=1, id=SUPPORT_JOB, **every)
        self.scheduler.add_job(self.dispatch, "interval", seconds=self.dispatch_seconds, id=DISPATCH_JOB, **every)
        self.scheduler.add_job(self.broadcasts, "interval", seconds=self.broadcast_seconds, id=BROADCAST_JOB,
                               **every)
        self.scheduler.start()
        log.info("scheduler started: %s", ", ".join(JOB_IDS))

    async def stop(self) -> None:
        """Stop the jobs and let a running drain finish its current batch."""
        self._stopping = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        await self.idle()

    async def idle(self) -> None:
        """Wait until the running drain, if any, is done."""
        if self._drain is not None:
            await asyncio.gather(self._drain, return_exceptions=True)

    # Every process runs every tick; on a shared database (PostgreSQL) one at a time does the work and the
    # others skip that round (`exclusive`), and idempotency keys would catch any overlap besides.

    async def reminders(self) -> None:
        await self._tick("reminder tick", lambda: reminder_tick(self.store, self.clock.now()))

    async def followups(self) -> None:
        steps = self.library.base.followups.steps
        await self._tick("follow-up tick", lambda: followup_tick(self.store, steps, self.clock.now()))

    async def support(self) -> None:
        await self._tick("support tick", lambda: support_tick(self.store, self.clock.now()))

    async def broadcasts(self) -> None:
        await self._tick("broadcast tick", lambda: broadcast_tick(self.store, self.clock.now()))

    async def _tick(self, what: str, job: Callable[[], Awaitable[int]]) -> int | None:
        try:
            async with self.store.exclusive(what) as mine:
                return await _guarded(what, job) if mine else 0
        except Exception:
            log.exception("%s failed", what)
            return None

    async def dispatch(self) -> None:
        """Start draining due rows unless a drain is already running (a big broadcast outlasts a tick)."""
        if self._stopping or (self._drain is not None and not self._drain.done()):
            return
        self._drain = asyncio.create_task(self._guarded_drain())

    async def _guarded_drain(self) -> int:
        if self.store.shared:  # another process may have died holding rows: they go again after the lease
            await _guarded("recovery", self.dispatcher.recover)
        result = await _guarded("dispatcher", lambda: self.dispatcher.drain(lambda: self._stopping))
        return result or 0


async def _guarded(what: str, job: Callable[[], Awaitable[int]]) -> int | None:
    """Run one tick; an error is logged and the next tick tries again (nothing is lost: the rows stay)."""
    try:
        count = await job()
    except Exception:
        log.exception("%s failed", what)
        return None
    if count:
        log.info("%s: %s", what, count)
    return count
