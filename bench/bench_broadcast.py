"""A broadcast to a big cohort through the real TelegramSender and dispatcher, against the fake Bot API with
Telegram's flood control (429 past 30 sendMessage calls in a second); then the same with the dispatcher
process killed (SIGKILL) halfway and a new one started on the same database.

The dispatcher runs in a subprocess (`python -m bench.bench_broadcast dispatch FOLDER URL`) so it can really die.
Sending is bounded by the platform's rate (about 29 a second), so the crash run uses a smaller cohort to keep
the whole benchmark within a few minutes; pass other sizes as `python -m bench.bench_broadcast N M`.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from bench.common import ROOT, bench_settings, stopwatch
from bot.app import Services, build_services
from bot.channels.telegram.channel import build_application
from bot.channels.telegram.sender import TelegramSender
from bot.config import Settings
from bot.core.messages import Address
from bot.scheduling.scheduler import Scheduling
from bot.storage.contacts import to_ts
from tests.e2e.fake_telegram import TOKEN, FakeTelegram
from tests.helpers import Chat

RECIPIENTS = 10_000
RESUME_RECIPIENTS = 2_000
TELEGRAM_LIMIT = 30
FACILITATOR_CHAT = 999
FIRST_MEMBER_CHAT = 10_000_000
RUN_TIMEOUT = 900.0


def noon_zone(now: datetime) -> str:
    """A zone where it is about noon now, so no one is in their quiet hours whenever the benchmark runs."""
    offset = 12 - now.hour
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


def settings_for(folder: Path, fake_url: str) -> Settings:
    return bench_settings(folder, telegram_bot_token=TOKEN, telegram_base_url=fake_url)


async def prepare(folder: Path, fake_url: str, members: int) -> dict[str, float]:
    """A facilitator (on Telegram) with one cohort of `members`, who broadcasts to it through the engine."""
    services = await build_services(settings_for(folder, fake_url))
    store, now = services.store, services.clock.now()
    zone = noon_zone(now)
    fay = Chat(services.engine, str(FACILITATOR_CHAT), "telegram")
    await fay.consent()
    code, _ = await store.facilitators.invite(now)
    await fay.send(f"/facilitator {code}")
    await fay.send("/newcohort")
    await fay.send("Bench group")
    await fay.press("Today")
    await fay.press("English")
    await fay.send(zone)
    await store.contacts.update(1, timezone=zone)
    ids = [(await store.contacts.create(Address("telegram", str(FIRST_MEMBER_CHAT + n)), "en", zone, now)).id
           for n in range(members)]
    async with store.db.tx() as conn:
        await conn.executemany("INSERT INTO cohort_members (cohort_id, contact_id, joined_at) VALUES (1, ?, ?)",
                               [(contact_id, to_ts(now)) for contact_id in ids])
    await fay.send("/broadcast")
    await fay.send("Network meeting on Friday at 6 🌼 Bring a friend if you like.")
    with stopwatch() as queued:
        await fay.press("Send now")
    assert f"On its way to {members} people" in fay.text, fay.text
    await services.close()
    return {"queue_s": queued[0]}


async def dispatch(folder: Path, fake_url: str) -> None:
    """The dispatcher process: the real scheduler and TelegramSender, until the broadcast and its report are done.

    (The follow-up tick also plans the cohort's post-workshop messages, days ahead, as it would in production.)
    """
    services = await build_services(settings_for(folder, fake_url))
    application = build_application(services.settings)
    await application.initialize()
    sender = TelegramSender(application.bot, services.store.vault.callback_key)
    scheduling = Scheduling(services.store, services.library, services.clock, {"telegram": sender},
                            dispatch_seconds=0.5, broadcast_seconds=1.0)
    await scheduling.start()
    try:
        while not await _all_done(services):
            await asyncio.sleep(0.5)
    finally:
        await scheduling.stop()
        await application.shutdown()
        await services.close()


async def _all_done(services: Services) -> bool:
    row = await services.store.db.fetchone(
        "SELECT (SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'sending')"
        " AND kind IN ('broadcast', 'notice'))"
        " + (SELECT COUNT(*) FROM broadcasts WHERE status != 'done')")
    return row is not None and row[0] == 0


async def _dispatcher(folder: Path, fake: FakeTelegram) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bench.bench_broadcast", "dispatch",
                                                str(folder), fake.base_url, cwd=ROOT)


def member_copies(fake: FakeTelegram) -> Counter[int]:
    return Counter(m.chat_id for m in fake.messages if m.chat_id != FACILITATOR_CHAT)


async def _wait(process: asyncio.subprocess.Process) -> None:
    try:
        await asyncio.wait_for(process.wait(), RUN_TIMEOUT)
    except TimeoutError:
        process.kill()
        await process.wait()


async def straight_run(folder: Path, members: int) -> dict[str, float]:
    fake = FakeTelegram(send_limit=TELEGRAM_LIMIT)
    await fake.start()
    try:
        prepared = await prepare(folder, fake.base_url, members)
        await _wait(await _dispatcher(folder, fake))
    finally:
        await fake.stop()
    copies = member_copies(fake)
    times = sorted(m.at for m in fake.messages if m.chat_id != FACILITATOR_CHAT)
    rate = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 else 0.0
    report = fake.sent_to(FACILITATOR_CHAT)[-1].text if fake.sent_to(FACILITATOR_CHAT) else ""
    return {"broadcast_recipients": members, "broadcast_queue_s": round(prepared["queue_s"], 2),
            "broadcast_msgs_per_s": round(rate, 1), "broadcast_429s": fake.throttled,
            "broadcast_lost": members - len(copies), "broadcast_duplicates": sum(1 for c in copies.values() if c > 1),
            "broadcast_report_ok": int(f"Received: {members}" in report)}


async def crash_run(folder: Path, members: int) -> dict[str, float]:
    fake = FakeTelegram(send_limit=TELEGRAM_LIMIT)
    await fake.start()
    try:
        await prepare(folder, fake.base_url, members)
        first = await _dispatcher(folder, fake)
        deadline = time.monotonic() + RUN_TIMEOUT
        while len(member_copies(fake)) < members // 2 and first.returncode is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        killed_at = len(member_copies(fake))
        await _wait(await _dispatcher(folder, fake))
    finally:
        await fake.stop()
    copies = member_copies(fake)
    return {"resume_recipients": members, "resume_killed_at": killed_at, "resume_429s": fake.throttled,
            "resume_lost": members - len(copies), "resume_duplicates": sum(1 for c in copies.values() if c > 1)}


async def measure(recipients: int, resume_recipients: int) -> dict[str, float]:
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        figures.update(await straight_run(Path(first), recipients))
        figures.update(await crash_run(Path(second), resume_recipients))
    return figures


def main() -> None:
    if sys.argv[1:2] == ["dispatch"]:
        asyncio.run(dispatch(Path(sys.argv[2]), sys.argv[3]))
        return
    sizes = [int(arg) for arg in sys.argv[1:3]]
    recipients, resume = (sizes + [RECIPIENTS, RESUME_RECIPIENTS][len(sizes):])[:2]
    with stopwatch() as elapsed:
        figures = asyncio.run(measure(recipients, resume))
    figures["broadcast_bench_s"] = round(elapsed[0], 1)
    json.dump(figures, sys.stdout)


if __name__ == "__main__":
    main()
