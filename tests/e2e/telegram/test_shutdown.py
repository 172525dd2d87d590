"""SIGTERM in the middle of a broadcast: sends in flight finish, the rest wait for the next start; none lost or
doubled."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from bot.app import build_services
from bot.config import load_settings
from bot.core.messages import Address
from bot.storage.deliveries import NewDelivery
from tests.e2e.fake_telegram import FakeTelegram
from tests.helpers import CONTENT, ROOT, TEST_KEY, rows
from tests.postgres import database_env, database_settings

pytestmark = pytest.mark.both_engines

PEOPLE = 120
FIRST_CHAT = 5_000_000


def noon_zone(now: datetime) -> str:
    """A zone where it is about noon, so nobody is in their quiet hours whenever the test runs."""
    offset = 12 - now.hour
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


async def queue_notices(db_path: Path, fake: FakeTelegram, engine: str) -> None:
    settings = load_settings(_env_file=None, database_path=db_path, data_key=TEST_KEY, content_dir=CONTENT,
                             telegram_bot_token=fake.token, telegram_base_url=fake.base_url,
                             **database_settings(db_path, engine))
    services = await build_services(settings)
    now = services.clock.now()
    zone = noon_zone(now)
    notices = []
    for n in range(PEOPLE):
        contact = await services.store.contacts.create(Address("telegram", str(FIRST_CHAT + n)), "en", zone, now)
        notices.append(NewDelivery(contact.id, "notice", f"shutdown-test:{n}", now, {"key": "errors.too_fast"}))
    await services.store.deliveries.enqueue_many(notices, now)
    await services.close()


async def start_bot(db_path: Path, fake: FakeTelegram, engine: str) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **database_env(db_path, engine), "DATA_KEY": TEST_KEY,
           "CONTENT_DIR": str(CONTENT), "TELEGRAM_BOT_TOKEN": fake.token, "TELEGRAM_BASE_URL": fake.base_url}
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=db_path.parent, env=env,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)


async def stop_bot(process: asyncio.subprocess.Process) -> bytes:
    process.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(30):
            _, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, stderr.decode()[-2000:]
    return stderr


def copies(fake: FakeTelegram) -> Counter[int]:
    return Counter(m.chat_id for m in fake.messages if m.chat_id >= FIRST_CHAT)


async def test_sigterm_mid_broadcast_loses_and_doubles_nobody(tmp_path: Path, engine: str) -> None:
    fake = FakeTelegram(send_limit=30)
    await fake.start()
    try:
        db_path = tmp_path / "companion.db"
        await queue_notices(db_path, fake, engine)
        first = await start_bot(db_path, fake, engine)
        await fake.wait_for(lambda: len(copies(fake)) >= PEOPLE // 3, timeout=60)
        await stop_bot(first)
        stopped_at = sum(copies(fake).values())
        [(in_flight,)] = rows(db_path, "SELECT COUNT(*) FROM deliveries WHERE status = 'sending'")
        [(sent,)] = rows(db_path, "SELECT COUNT(*) FROM deliveries WHERE status = 'sent'")
        assert in_flight == 0
        assert sent == stopped_at < PEOPLE  # what went is recorded; the rest waits

        second = await start_bot(db_path, fake, engine)
        await fake.wait_for(lambda: len(copies(fake)) == PEOPLE, timeout=60)
        await stop_bot(second)
    finally:
        await fake.stop()
    received = copies(fake)
    assert len(received) == PEOPLE
    assert max(received.values()) == 1
