"""Two `python -m bot run` processes on one PostgreSQL and the fake Bot API (Telegram webhook mode): one is
killed with SIGKILL halfway through a 2,000-person broadcast and a day of follow-ups. Nobody is lost, and
nobody gets a copy twice beyond the rows that were in flight when the process died.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import build_services
from bot.config import load_settings
from bot.core.domain import Address, NewDelivery
from bot.core.proactive import broadcasts, followups
from bot.storage.contacts import to_ts
from tests import postgres
from tests.e2e.fake_telegram import TOKEN, FakeTelegram
from tests.helpers import CONTENT, ROOT, TEST_KEY

MEMBERS = 2_000
FIRST_CHAT = 10_000_000
WEBHOOK = "https://companion.example.org/telegram/webhook"
TIMEOUT = float(os.environ.get("TWO_PROCESS_TIMEOUT", "400"))


def noon_zone(now: datetime) -> str:
    """A zone where it is about noon, so nobody is in quiet hours and the day-1 follow-up (10:00) is due."""
    offset = 12 - now.hour
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_bot(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    with log.open("wb") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=ROOT, env={**env, "WEB_PORT": str(free_port())},
            stdout=asyncio.subprocess.DEVNULL, stderr=out)


async def test_two_processes_share_the_outbox_and_a_kill_loses_and_doubles_nobody(tmp_path: Path) -> None:
    url = postgres.server().fresh_database()
    fake = FakeTelegram()
    await fake.start()
    env = {**os.environ, "DATABASE_URL": url, "DATA_KEY": TEST_KEY, "CONTENT_DIR": str(CONTENT),
           "DATABASE_PATH": f"{tmp_path}/companion.db", "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_BASE_URL": fake.base_url, "TELEGRAM_WEBHOOK_URL": WEBHOOK, "OUTBOX_LEASE_SECONDS": "5"}
    settings = load_settings(_env_file=None, database_url=url, data_key=TEST_KEY, content_dir=CONTENT,
                             database_path=f"{tmp_path}/companion.db")
    services = await build_services(settings)
    store, now = services.store, datetime.now(UTC)
    zone = noon_zone(now)
    yesterday = (now.astimezone(ZoneInfo(zone)) - timedelta(days=1)).date()
    fay = await store.contacts.create(Address("telegram", "999"), "en", zone, now)
    await store.contacts.update(fay.id, is_facilitator=True)
    cohort = await store.cohorts.create(fay.id, "Group", yesterday, "en", zone, now)
    ids = [(await store.contacts.create(Address("telegram", str(FIRST_CHAT + n)), "en", zone, now)).id
           for n in range(MEMBERS)]
    async with store.db.tx() as conn:
        await conn.executemany("INSERT INTO cohort_members (cohort_id, contact_id, joined_at) VALUES (?, ?, ?)",
                               [(cohort.id, contact_id, to_ts(now)) for contact_id in ids])
    # The day-1 follow-up, as the follow-up tick planned it yesterday (same idempotency keys): due now.
    await store.deliveries.enqueue_many([
        NewDelivery(contact_id, followups.KIND, followups.idem_key(cohort.id, contact_id, "day-1"),
                    now - timedelta(minutes=1), {"step": "day-1"}, cohort.id, "day-1") for contact_id in ids], now)
    draft = await store.broadcasts.draft(fay.id, "Network meeting on Friday 🌼", [cohort.id], now)
    assert await broadcasts.launch(store, draft, now, now) is not None

    def copies(kind_word: str) -> Counter[int]:
        return Counter(m.chat_id for m in fake.messages if m.chat_id >= FIRST_CHAT and kind_word in m.text)

    first, second = await start_bot(env, tmp_path / "first.log"), await start_bot(env, tmp_path / "second.log")
    try:
        async with asyncio.timeout(TIMEOUT):
            while len(copies("Network meeting")) < MEMBERS // 2:
                await asyncio.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        await first.wait()
        row = await store.db.fetchone("SELECT COUNT(*) FROM deliveries WHERE status = 'sending'")
        in_flight = int(row[0])  # the dead process's rows, and the live one's of the moment
        async with asyncio.timeout(TIMEOUT):
            while True:
                row = await store.db.fetchone("SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'sending')"
                                              " AND kind IN ('broadcast', 'followup') AND due_at <= ?",
                                              (to_ts(datetime.now(UTC)),))
                if row[0] == 0 and len(copies("Yesterday was a big day")) >= MEMBERS:
                    break
                await asyncio.sleep(0.2)
    finally:
        for process in (first, second):
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(process.wait(), 30)
                except TimeoutError:
                    process.kill()
                    await process.wait()
        await fake.stop()
    statuses = await store.db.fetchall("SELECT kind, status, COUNT(*) FROM deliveries WHERE due_at <= ?"
                                       " AND kind IN ('broadcast', 'followup') GROUP BY kind, status",
                                       (to_ts(datetime.now(UTC)),))
    await services.close()
    broadcast, followup = copies("Network meeting"), copies("Yesterday was a big day")
    assert len(broadcast) == MEMBERS and len(followup) == MEMBERS, "nobody lost"
    doubled = sum(c - 1 for c in broadcast.values()) + sum(c - 1 for c in followup.values())
    assert doubled <= in_flight, f"{doubled} duplicates, {in_flight} in flight at the kill"
    assert {(kind, status) for kind, status, _ in statuses} == {("broadcast", "sent"), ("followup", "sent")}


SHARED_MEMBERS = 300


async def test_two_processes_share_telegrams_limit_and_draw_no_429(tmp_path: Path) -> None:
    """Telegram's limit (about 30 a second) is the bot's, not a process's. Two processes sending one broadcast
    together take half of it each: the fake Bot API, refusing past 30 a second, answers (almost) no 429; with a
    whole budget each, they sent up to 58 a second and drew dozens."""
    url = postgres.server().fresh_database()
    fake = FakeTelegram(send_limit=30)
    await fake.start()
    env = {**os.environ, "DATABASE_URL": url, "DATA_KEY": TEST_KEY, "CONTENT_DIR": str(CONTENT),
           "DATABASE_PATH": f"{tmp_path}/companion.db", "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_BASE_URL": fake.base_url, "TELEGRAM_WEBHOOK_URL": WEBHOOK}
    settings = load_settings(_env_file=None, database_url=url, data_key=TEST_KEY, content_dir=CONTENT,
                             database_path=f"{tmp_path}/companion.db")
    services = await build_services(settings)
    store, now = services.store, datetime.now(UTC)
    zone = noon_zone(now)  # nobody in quiet hours
    fay = await store.contacts.create(Address("telegram", "999"), "en", zone, now)
    await store.contacts.update(fay.id, is_facilitator=True)
    cohort = await store.cohorts.create(fay.id, "Group", now.date(), "en", zone, now)
    ids = [(await store.contacts.create(Address("telegram", str(FIRST_CHAT + n)), "en", zone, now)).id
           for n in range(SHARED_MEMBERS)]
    async with store.db.tx() as conn:
        await conn.executemany("INSERT INTO cohort_members (cohort_id, contact_id, joined_at) VALUES (?, ?, ?)",
                               [(cohort.id, contact_id, to_ts(now)) for contact_id in ids])
    draft = await store.broadcasts.draft(fay.id, "Network meeting on Friday 🌼", [cohort.id], now)
    assert await broadcasts.launch(store, draft, now, now) is not None
    processes = [await start_bot(env, tmp_path / "first.log"), await start_bot(env, tmp_path / "second.log")]
    try:
        async with asyncio.timeout(TIMEOUT):
            while len({m.chat_id for m in fake.messages if m.chat_id >= FIRST_CHAT}) < SHARED_MEMBERS:
                await asyncio.sleep(0.1)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                await asyncio.wait_for(process.wait(), 30)
            except TimeoutError:
                process.kill()
                await process.wait()
        await fake.stop()
    print(f"\n{fake.throttled} answered 429 for {len(fake.messages)} messages")  # the figure to report (pytest -s)
    left = await store.db.fetchall("SELECT process FROM bot_processes")
    await services.close()
    sent = Counter(m.chat_id for m in fake.messages if m.chat_id >= FIRST_CHAT)
    assert set(sent) == {FIRST_CHAT + n for n in range(SHARED_MEMBERS)} and set(sent.values()) == {1}
    assert fake.throttled <= 2, f"{fake.throttled} sends answered 429"
    assert left == [], "each process left its share on a clean stop"
