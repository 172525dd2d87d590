"""APScheduler decides when; the database remembers what.

Jobs with fixed ids, rebuilt at every start (the in-memory job store holds nothing worth keeping):
a reminder tick each minute, a follow-up tick, a peer-support tick each minute (asks nobody answered in
time), a broadcast tick (starts scheduled broadcasts, reports finished ones), and the dispatcher tick that
starts a drain of due rows whenever none is running. Each tick reads the database, so a restart loses nothing.
A heartbeat every few seconds lets processes on a shared database split each platform's budget (share.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.backups import BackupPolicy, back_up, is_due
from bot.core.clock import Clock
from bot.core.i18n import Library
from bot.core.outbound import Sender
from bot.core.peers import support_tick
from bot.core.proactive.broadcasts import broadcast_tick
from bot.core.proactive.checkon import checkon_tick
from bot.core.proactive.followups import followup_tick
from bot.core.proactive.reminders import reminder_tick
from bot.core.proactive.renderers import all_renderers
from bot.metrics import Metrics
from bot.scheduling.dispatcher import LEASE, Dispatcher
from bot.scheduling.pace import Pace
from bot.scheduling.share import HEARTBEAT_SECONDS, BudgetShare
from bot.storage.store import Store

log = logging.getLogger(__name__)
# APScheduler logs every run of every job at INFO: a line a second from the dispatcher tick. Ours say enough.
logging.getLogger("apscheduler").setLevel(logging.WARNING)

REMINDER_JOB = "reminder-tick"
FOLLOWUP_JOB = "followup-tick"
DISPATCH_JOB = "dispatcher"
SUPPORT_JOB = "support-tick"
BROADCAST_JOB = "broadcast-tick"
BACKUP_JOB = "backup"
CHECKON_JOB = "checkon-tick"
SHARE_JOB = "budget-share"
JOB_IDS = (REMINDER_JOB, FOLLOWUP_JOB, SUPPORT_JOB, DISPATCH_JOB, BROADCAST_JOB, CHECKON_JOB, SHARE_JOB)


class Scheduling:
    """The scheduler, the dispatcher and the ticks that fill the outbox, started and stopped together."""

    def __init__(self, store: Store, library: Library, clock: Clock, senders: Mapping[str, Sender], *,
                 dispatch_seconds: float = 1.0, followup_minutes: float = 10.0,
                 broadcast_seconds: float = 30.0, scope: Callable[[], Awaitable[int | None]] | None = None,
                 metrics: Metrics | None = None, backups: BackupPolicy | None = None,
                 lease: timedelta = LEASE, paces: Mapping[str, Pace] | None = None) -> None:
        """`scope`, when given, names the one person whose rows the dispatcher sends (None: nobody yet): the
        console chat shows its own person's messages only, and leaves everyone else's in the outbox.
        `paces` are the budgets of channels that pace themselves (replies included), shared with other processes
        on a shared database along with the dispatcher's own."""
        self.store = store
        self.library = library
        self.clock = clock
        self.renderers = all_renderers(store, library)
        self.metrics = metrics
        self.backups = backups
        self.dispatcher = Dispatcher(store, self.renderers, senders, clock, metrics=metrics, lease=lease)
        own = {channel: pace for channel, pace in self.dispatcher.paces.items() if channel in senders}
        self.share = BudgetShare(store, {**own, **(paces or {})}, clock)
        if metrics is not None:
            for channel in self.share.paces:
                metrics.watch_budget(channel, *self.share.readings(channel))
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.dispatch_seconds = dispatch_seconds
        self.followup_minutes = followup_minutes
        self.broadcast_seconds = broadcast_seconds
        self._drain: asyncio.Task[int] | None = None
        self._stopping = False
        self.scope = scope

    async def start(self) -> None:
        """Take this process's share of the budgets, recover rows left in flight, catch up on what is due, then
        start the jobs."""
        await self.share_budget()
        await self.dispatcher.recover()
        await self.reminders()
        await self.followups()
        await self.support()
        await self.broadcasts()
        await self.checkon()
        every = {"max_instances": 1, "coalesce": True, "replace_existing": True, "misfire_grace_time": 30}
        self.scheduler.add_job(self.reminders, "interval", minutes=1, id=REMINDER_JOB, **every)
        self.scheduler.add_job(self.followups, "interval", minutes=self.followup_minutes, id=FOLLOWUP_JOB, **every)
        self.scheduler.add_job(self.support, "interval", minutes=1, id=SUPPORT_JOB, **every)
        self.scheduler.add_job(self.dispatch, "interval", seconds=self.dispatch_seconds, id=DISPATCH_JOB, **every)
        self.scheduler.add_job(self.broadcasts, "interval", seconds=self.broadcast_seconds, id=BROADCAST_JOB,
                               **every)
        if self.backups is not None:
            # Hourly: a backup is written when the newest one is a day old, so a restart never skips a day.
            self.scheduler.add_job(self.backup, "interval", hours=1, id=BACKUP_JOB, **every)
            await self.backup()
        self.scheduler.add_job(self.checkon, "interval", minutes=5, id=CHECKON_JOB, **every)
        self.scheduler.add_job(self.share_budget, "interval", seconds=HEARTBEAT_SECONDS, id=SHARE_JOB, **every)
        await self.share_budget()  # the catch-up may have been long: count again before sending starts
        self.scheduler.start()
        log.info("scheduler started: %s", ", ".join(j.id for j in self.scheduler.get_jobs()))

    @property
    def running(self) -> bool:
        return self.scheduler.running and not self._stopping

    async def stop(self, grace: float = 10.0) -> None:
        """Stop the jobs; sends in flight finish (for at most `grace` seconds), claimed rows not yet sent go back;
        then this process leaves its share of the budgets to the others."""
        self._stopping = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        try:
            await asyncio.wait_for(self.idle(), grace)
        except TimeoutError:
            log.warning("dispatcher still sending after %s s: stopping it; rows in flight go again at start", grace)
            if self._drain is not None:
                self._drain.cancel()
                await asyncio.gather(self._drain, return_exceptions=True)
        await _guarded("leaving the budget share", _counted(self.share.leave))

    async def idle(self) -> None:
        """Wait until the running drain, if any, is done."""
        if self._drain is not None:
            await asyncio.gather(self._drain, return_exceptions=True)

    # Every process runs every tick; on a shared database (PostgreSQL) one at a time does the work and the
    # others skip that round (`exclusive`), and idempotency keys would catch any overlap besides.

    async def reminders(self) -> None:
        await self._tick(REMINDER_JOB, "reminder tick", lambda: reminder_tick(self.store, self.clock.now()))

    async def followups(self) -> None:
        steps = self.library.base.followups.steps
        await self._tick(FOLLOWUP_JOB, "follow-up tick", lambda: followup_tick(self.store, steps, self.clock.now()))

    async def support(self) -> None:
        await self._tick(SUPPORT_JOB, "support tick", lambda: support_tick(self.store, self.clock.now()))

    async def broadcasts(self) -> None:
        await self._tick(BROADCAST_JOB, "broadcast tick", lambda: broadcast_tick(self.store, self.clock.now()))

    async def backup(self) -> None:
        """Write today's backup unless one is less than a day old."""
        policy, now = self.backups, self.clock.now()
        if policy is None or not is_due(policy, now):
            return
        result = await self._tick(BACKUP_JOB, "backup", lambda: _one(back_up(self.store.db, policy, now)))
        if self.metrics is not None:
            self.metrics.backups.labels("ok" if result is not None else "failed").inc()

    async def checkon(self) -> None:
        """'Check on me' rules, the 48-hour limit on message ids kept for /hide, expired proactive buttons."""
        now = self.clock.now()
        await self._tick(CHECKON_JOB, "check-on tick", lambda: checkon_tick(self.store, now))
        await self._tick(CHECKON_JOB, "recent messages", lambda: self.store.recent.prune(now))
        await self._tick(CHECKON_JOB, "proactive buttons", lambda: self.store.prompts.prune(now))

    async def share_budget(self) -> None:
        """Every process, every few seconds (not one at a time): a heartbeat, and each channel's pace set to this
        process's share. A failure keeps the last share (the row expires if it lasts)."""
        await _guarded("budget share", _counted(self.share.beat))

    async def _tick(self, job: str, what: str, work: Callable[[], Awaitable[int]]) -> int | None:
        """One tick, by one process at a time where several share the database; timed for the metrics."""
        started = time.perf_counter()
        try:
            async with self.store.exclusive(what) as mine:
                result = await _guarded(what, work) if mine else 0
        except Exception:
            log.exception("%s failed", what)
            result = None
        if self.metrics is not None:
            self.metrics.observe_tick(job, time.perf_counter() - started)
        return result

    async def dispatch(self) -> None:
        """Start draining due rows unless a drain is already running (a big broadcast outlasts a tick)."""
        if self._stopping or (self._drain is not None and not self._drain.done()):
            return
        self._drain = asyncio.create_task(self._guarded_drain())

    async def _guarded_drain(self) -> int:
        if self.store.shared:  # another process may have died holding rows: they go again after the lease
            await _guarded("recovery", self.dispatcher.recover)
        result = await _guarded("dispatcher", self._drain_in_scope)
        return result or 0

    async def _drain_in_scope(self) -> int:
        if self.scope is None:
            return await self.dispatcher.drain(lambda: self._stopping)
        contact_id = await self.scope()
        if contact_id is None:
            return 0
        return await self.dispatcher.drain(lambda: self._stopping, contact_id=contact_id)


def _counted(work: Callable[[], Awaitable[None]]) -> Callable[[], Awaitable[int]]:
    async def run() -> int:
        await work()
        return 0

    return run


async def _one(work: Awaitable[object]) -> int:
    await work
    return 0


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
