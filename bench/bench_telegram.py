"""Updates per second of the real Telegram bot against a fake Bot API server, and of a bare PTB echo bot.

Both bots poll the same fake server (tests/e2e/fake_telegram.py) in this process, over the same update mix
from many people: `/checkin`, a mood button, `/menu`. Each phase pushes one update per person at once and
waits until PTB has finished handling every one of them (its update queue is joined), so an update counts
once its answer has been sent. The people consent before timing starts.

Same PTB settings for both: long polling, CONCURRENT_UPDATES, and the bot's own rate limiter with its overall
ceiling (Telegram's ~30 messages a second for the whole bot) lifted for both, or the figures would only
measure that ceiling; in production it stays on, so these figures say how much headroom the bot has under it
(bench_burst measures the bot with the ceiling on).
The machine may be busy with other work, so rounds alternate between the two bots and the best round counts.

`api_calls_per_update` says why the ratio cannot reach 1: a mood press costs the real bot two Bot API calls
(answer the press; the answer with the menu, edited into the question's place) and the echo bot two, and each
call costs several times the CPU of all the bot's own work on an update.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bench.common import bench_settings
from bot.app import Services, build_services
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.channel import ALLOWED_UPDATES, CONCURRENT_UPDATES, TelegramApp
from bot.channels.telegram.limiter import SharedLimiter
from bot.core import callbacks
from bot.core.messages import Address
from tests.e2e.fake_telegram import FakeTelegram

PEOPLE = 200
UPDATES = 3 * PEOPLE  # per round
FIRST_CHAT = 10_000_000
ROUNDS = 6  # per bot; the first is a warm-up
TIMEOUT = 60.0
MOOD = "checkin:mood:4"

FakeUpdate = dict[str, Any]


@dataclass
class Contender:
    """A bot to measure: its PTB Application and how to start and stop it."""

    app: TelegramApp
    start: Callable[[], Awaitable[None]]
    stop: Callable[[], Awaitable[None]]


def chats() -> list[int]:
    return [FIRST_CHAT + n for n in range(PEOPLE)]


def no_ceiling() -> SharedLimiter:
    """The bot's limiter without a budget: the overall ceiling lifted (see the module docstring)."""
    return SharedLimiter(None)


async def consent(services: Services) -> None:
    """What pressing "I agree" records, done straight in the store: consenting is not what is measured."""
    now = services.clock.now()
    for chat in chats():
        await services.store.contacts.create(Address("telegram", str(chat)), "en", "UTC", now)


def presses(fake: FakeTelegram, key: bytes) -> list[FakeUpdate]:
    """One mood press per person, on the last message the bot sent them (the check-in prompt)."""
    last = {sent.chat_id: sent.message_id for sent in fake.messages}
    return [fake.callback_update(chat, callbacks.sign(key, Address("telegram", str(chat)), MOOD), last[chat])
            for chat in chats()]


async def phase(fake: FakeTelegram, app: TelegramApp, updates: list[FakeUpdate]) -> float:
    """Push every update at once; return the seconds until all of them were handled."""
    start = time.perf_counter()
    last = [fake.push(update) for update in updates][-1]
    await fake.fetched(last, TIMEOUT)
    await asyncio.wait_for(app.update_queue.join(), TIMEOUT)
    return time.perf_counter() - start


async def one_round(fake: FakeTelegram, bot: Contender, key: bytes) -> tuple[float, float]:
    """/checkin, a mood press and /menu from every person: (updates per second, Bot API calls per update)."""
    await bot.start()
    try:
        before = len(fake.calls)
        seconds = await phase(fake, bot.app, [fake.text_update(chat, "/checkin") for chat in chats()])
        seconds += await phase(fake, bot.app, presses(fake, key))
        seconds += await phase(fake, bot.app, [fake.text_update(chat, "/menu") for chat in chats()])
        calls = sum(1 for call in fake.calls[before:] if call.method != "getUpdates")
    finally:
        await bot.stop()
    return UPDATES / seconds, calls / UPDATES


def real_bot(services: Services) -> Contender:
    channel = TelegramChannel(services, rate_limiter=no_ceiling())
    return Contender(channel.application, channel.start, channel.stop)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text is not None:
        await context.bot.send_message(message.chat_id, message.text)


async def echo_press(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    if query is not None and query.message is not None:
        await query.answer()
        await context.bot.send_message(query.message.chat.id, query.data or "")


def echo_bot(fake: FakeTelegram) -> Contender:
    app = (Application.builder().token(fake.token).base_url(fake.base_url).rate_limiter(no_ceiling())
           .concurrent_updates(CONCURRENT_UPDATES).job_queue(None).build())
    app.add_handler(CallbackQueryHandler(echo_press))
    app.add_handler(MessageHandler(filters.TEXT, echo))

    async def start() -> None:
        await app.initialize()
        assert app.updater is not None
        await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        await app.start()

    async def stop() -> None:
        assert app.updater is not None
        await app.updater.stop()
        await app.stop()
        await app.shutdown()

    return Contender(app, start, stop)


async def run(folder: Path) -> dict[str, float]:
    fake = FakeTelegram()
    await fake.start()
    settings = bench_settings(folder, telegram_bot_token=fake.token, telegram_base_url=fake.base_url)
    services = await build_services(settings)
    key = services.store.vault.callback_key
    real: list[tuple[float, float]] = []
    bare: list[tuple[float, float]] = []
    try:
        await consent(services)
        for _ in range(ROUNDS):
            real.append(await one_round(fake, real_bot(services), key))
            bare.append(await one_round(fake, echo_bot(fake), key))
    finally:
        await services.close()
        await fake.stop()
    (rate, calls), (echo_rate, echo_calls) = max(real[1:]), max(bare[1:])
    return {"updates_per_s": round(rate, 1), "echo_updates_per_s": round(echo_rate, 1),
            "ratio_vs_echo": round(rate / echo_rate, 2), "api_calls_per_update": round(calls, 2),
            "echo_api_calls_per_update": round(echo_calls, 2)}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        figures = asyncio.run(run(Path(folder)))
    json.dump(figures, sys.stdout)


if __name__ == "__main__":
    main()
