"""`python -m bot run` with TELEGRAM_BOT_TOKEN and TELEGRAM_BASE_URL serves Telegram from any Bot API server."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

import pytest

from tests.e2e.fake_telegram import FakeTelegram
from tests.helpers import CONTENT, TEST_KEY
from tests.postgres import database_env

pytestmark = pytest.mark.both_engines

CHAT = 7170


async def test_run_serves_telegram_and_stops_cleanly_on_sigterm(tmp_path: Path, fake: FakeTelegram,
                                                                engine: str) -> None:
    env = {**os.environ, **database_env(tmp_path / "companion.db", engine),
           "DATA_KEY": TEST_KEY, "CONTENT_DIR": str(CONTENT), "TELEGRAM_BOT_TOKEN": fake.token,
           "TELEGRAM_BASE_URL": fake.base_url}
    env.pop("TELEGRAM_WEBHOOK_URL", None)
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        await fake.wait_for(lambda: fake.calls_of("getUpdates"), timeout=20)
        fake.push(fake.text_update(CHAT, "/start"))
        await fake.wait_for(lambda: fake.sent_to(CHAT), timeout=10)
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            _, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0
    assert "welcome" in fake.sent_to(CHAT)[0].text
    log = stderr.decode()
    assert "telegram channel running (long polling)" in log
    assert str(CHAT) not in log and fake.token not in log
