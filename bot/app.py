"""Wire settings, storage, content and the engine together, and run the configured channels."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Protocol

from starlette.routing import BaseRoute

from bot.config import Settings
from bot.core.clock import Clock, SystemClock
from bot.core.engine import Engine
from bot.core.features import all_features
from bot.core.i18n import Library
from bot.core.messages import Address
from bot.core.outbound import Sender
from bot.scheduling.dispatcher import Dispatcher
from bot.scheduling.scheduler import Scheduling
from bot.storage.store import Store

log = logging.getLogger(__name__)


class Channel(Protocol):
    """A running platform adapter: its Sender for proactive messages and its webhook routes, if any."""

    name: str
    sender: Sender

    def routes(self) -> list[BaseRoute]: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


@dataclass
class Services:
    settings: Settings
    store: Store
    library: Library
    engine: Engine
    clock: Clock

    async def close(self) -> None:
        await self.store.close()


async def build_services(settings: Settings, clock: Clock | None = None) -> Services:
    """Load content first (cheap to fail), then open and migrate the database."""
    library = Library.load(settings.content_dir)
    store = await Store.open(settings.database, settings.secret())
    clock = clock or SystemClock()
    engine = Engine(store, library, clock, all_features(), settings.default_language, settings.default_timezone)
    return Services(settings, store, library, engine, clock)


def console_files_dir(settings: Settings) -> Path:
    return settings.database_path.parent / "console"


def build_scheduling(services: Services, senders: dict[str, Sender]) -> Scheduling:
    return Scheduling(services.store, services.library, services.clock, senders,
                      lease=timedelta(seconds=services.settings.outbox_lease_seconds))


async def run_console(settings: Settings, name: str, *, with_scheduler: bool = False) -> None:
    """The console chat; with the scheduler, reminders and follow-ups are printed into it as they fall due."""
    from bot.channels.console import ConsoleChat, ConsoleSender

    services = await build_services(settings)
    chat = ConsoleChat(services.engine, name, console_files_dir(settings))
    scheduling = build_scheduling(services, {"console": ConsoleSender(chat)})
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
        log.info("no channel configured: opening the console chat")
        await run_console(settings, "you", with_scheduler=True)
        return
    from bot.web import build_app, build_server

    services = await build_services(settings)
    channels = await open_channels(services)
    routes = [route for channel in channels for route in channel.routes()]
    server = build_server(build_app(routes), settings.web_host, settings.web_port) if routes else None
    scheduling = build_scheduling(services, {channel.name: channel.sender for channel in channels})
    stop = _stop_event()
    try:
        for channel in channels:
            await channel.start()
        await scheduling.start()
        serving = asyncio.create_task(server.serve()) if server else None
        log.info("running: %s", ", ".join(c.name for c in channels))
        await stop.wait()
        if server and serving:
            server.should_exit = True
            await serving
    finally:
        await scheduling.stop()
        for channel in reversed(channels):
            await channel.stop()
        await services.close()
