"""Wire settings, storage, content and the engine together, and run the configured channels."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Protocol

from starlette.routing import BaseRoute

from bot.backups import BackupPolicy
from bot.config import Settings
from bot.core.clock import Clock, SystemClock
from bot.core.engine import Engine
from bot.core.features import all_features
from bot.core.i18n import Library
from bot.core.messages import Address
from bot.core.outbound import Sender
from bot.health import Readiness
from bot.metrics import Metrics, OutboxSnapshot
from bot.scheduling.dispatcher import Dispatcher
from bot.scheduling.pace import Pace
from bot.scheduling.scheduler import Scheduling
from bot.storage.lock import DatabaseLock
from bot.storage.store import Store

log = logging.getLogger(__name__)


class Channel(Protocol):
    """A running platform adapter: its Sender for proactive messages and its webhook routes, if any."""

    name: str
    sender: Sender
    pace: Pace | None  # the channel's sending budget (replies and the outbox), shared with other processes

    @property
    def ready(self) -> bool: ...

    def routes(self) -> list[BaseRoute]: ...

    async def start(self) -> None: ...

    async def stop_updates(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Services:
    settings: Settings
    store: Store
    library: Library
    engine: Engine
    clock: Clock
    metrics: Metrics
    lock: DatabaseLock | None = None

    async def close(self) -> None:
        await self.store.close()
        if self.lock is not None:
            self.lock.release()


async def build_services(settings: Settings, clock: Clock | None = None) -> Services:
    """Load content first (cheap to fail), then open and migrate the database."""
    library = Library.load(settings.content_dir, settings.emergency_number)
    lock = None if str(settings.database_path) == ":memory:" else DatabaseLock(settings.database_path)
    if lock is not None:
        lock.acquire(exclusive=False)  # a running bot keeps `db rotate-key` and `db restore` away
    try:
        store = await Store.open(settings.database, settings.secret())
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    clock = clock or SystemClock()
    engine = Engine(store, library, clock, all_features(), settings.default_language, settings.default_timezone)
    metrics = Metrics()
    engine.observe = metrics.observe_update
    return Services(settings, store, library, engine, clock, metrics, lock)


def console_log_path(settings: Settings) -> Path:
    return settings.database_path.parent / "console.log"


def build_scheduling(services: Services, senders: dict[str, Sender],
                     scope: Callable[[], Awaitable[int | None]] | None = None, *,
                     channels: Sequence[Channel] = ()) -> Scheduling:
    """The scheduler for these senders; `channels` give their budgets, to share with other processes."""
    settings = services.settings
    backups = BackupPolicy(settings.backup_dir, settings.backup_keep) if settings.backup_dir else None
    paces = {channel.name: channel.pace for channel in channels if channel.pace is not None}
    return Scheduling(services.store, services.library, services.clock, senders, scope=scope,
                      metrics=services.metrics, backups=backups,
                      lease=timedelta(seconds=settings.outbox_lease_seconds), paces=paces)


def quiet_terminal_logs(settings: Settings) -> None:
    """While a person chats in this terminal, log lines go to a file beside the database, never into the chat."""
    if not sys.stderr.isatty():
        return  # stderr is a pipe or a file already: it is not the chat
    path = console_log_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    root = logging.getLogger()
    for old in list(root.handlers):
        for kept in old.filters:  # the privacy filter goes along: the file keeps the same promise
            handler.addFilter(kept)
        if old.formatter is not None:
            handler.setFormatter(old.formatter)
        root.removeHandler(old)
    root.addHandler(handler)


async def refresh_metrics(services: Services) -> None:
    """Read the outbox figures and the database size into the metrics, just before a scrape."""
    deliveries, now = services.store.deliveries, services.clock.now()
    oldest = await deliveries.oldest_due(now)
    services.metrics.set_outbox(OutboxSnapshot(
        rows=await deliveries.census(),
        held_quiet_hours=await deliveries.held_for_quiet_hours(),
        lag_seconds=(now - oldest).total_seconds() if oldest else 0.0,
        database_bytes=await services.store.db.size_bytes(),
    ))


def operator_routes(services: Services, scheduling: Scheduling, channels: list[Channel]) -> list[BaseRoute]:
    """/readyz always; /metrics only when METRICS_TOKEN is set."""
    from bot.web import metrics_route, readyz_route

    routes: list[BaseRoute] = [readyz_route(Readiness(services.store, scheduling, channels).problems)]
    token = services.settings.metrics_token
    if token is not None:
        routes.append(metrics_route(services.metrics, token.get_secret_value(), partial(refresh_metrics, services)))
    return routes


async def run_console(settings: Settings, name: str, *, with_scheduler: bool = False) -> None:
    """The console chat; with the scheduler, reminders and follow-ups are printed into it as they fall due.

    Either way the console shows only its own person's messages: the others stay in the outbox for theirs.
    """
    from bot.channels.console import ConsoleChat, ConsoleSender, files_dir_for

    quiet_terminal_logs(settings)
    services = await build_services(settings)
    chat = ConsoleChat(services.engine, name, files_dir_for(services.engine, settings.database_path, name))
    scope = partial(own_contact_id, services, chat.address)
    scheduling = build_scheduling(services, {"console": ConsoleSender(chat)}, scope)
    if not with_scheduler:
        chat.inbox = partial(own_messages, services, scheduling.dispatcher, chat.address)
    try:
        if with_scheduler:
            await scheduling.start()
        await chat.run()
    finally:
        if with_scheduler:
            await scheduling.stop()
        await services.close()


async def own_contact_id(services: Services, address: Address) -> int | None:
    contact = await services.store.contacts.find(address)
    return contact.id if contact is not None else None


async def own_messages(services: Services, dispatcher: Dispatcher, address: Address) -> int:
    """Deliver one person's due outbox messages now (the console without the scheduler)."""
    contact = await services.store.contacts.find(address)
    return await dispatcher.drain(contact_id=contact.id) if contact is not None else 0


def _telegram(services: Services) -> Channel:
    from bot.channels.telegram import TelegramChannel

    return TelegramChannel(services)


def _whatsapp(services: Services) -> Channel:
    from bot.channels.whatsapp import open_whatsapp

    return open_whatsapp(services)


# Every channel `run` can open: whether settings turn it on, and how to build it (imports are lazy, so unused
# platforms cost nothing). A new channel (Signal, SMS) is one package under bot/channels and one line here.
CHANNELS: dict[str, tuple[Callable[[Settings], bool], Callable[[Services], Channel]]] = {
    "telegram": (lambda settings: settings.telegram_enabled, _telegram),
    "whatsapp": (lambda settings: settings.whatsapp_enabled, _whatsapp),
}


def any_channel(settings: Settings) -> bool:
    return any(enabled(settings) for enabled, _ in CHANNELS.values())


async def open_channels(services: Services) -> list[Channel]:
    """Build every channel that settings configure."""
    return [build(services) for enabled, build in CHANNELS.values() if enabled(services.settings)]


def _stop_event() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    return stop


async def run(settings: Settings) -> None:
    """Run every configured channel and the web server for webhooks; with none configured, the console."""
    if not any_channel(settings):
        quiet_terminal_logs(settings)
        log.info("no channel configured: opening the console chat")
        await run_console(settings, "you", with_scheduler=True)
        return
    from bot.web import build_app, build_server

    services = await build_services(settings)
    channels = await open_channels(services)
    scheduling = build_scheduling(services, {channel.name: channel.sender for channel in channels},
                                  channels=channels)
    webhooks = [route for channel in channels for route in channel.routes()]
    # The web server runs for webhooks, or for an operator who asked for metrics; /readyz comes with it.
    wanted = webhooks or settings.metrics_token is not None
    routes = [*webhooks, *operator_routes(services, scheduling, channels)]
    server = build_server(build_app(routes), settings.web_host, settings.web_port) if wanted else None
    stop = _stop_event()
    try:
        for channel in channels:
            await channel.start()
        await scheduling.start()
        serving = asyncio.create_task(server.serve()) if server else None
        log.info("running: %s", ", ".join(c.name for c in channels))
        await stop.wait()
        log.info("stopping: no new updates; sends in flight may finish")
        if server and serving:
            server.should_exit = True
            await serving
        for channel in channels:
            await channel.stop_updates()
        await scheduling.stop(settings.shutdown_grace_seconds)
    finally:
        await scheduling.stop()
        for channel in reversed(channels):
            await channel.stop()
        await services.close()
