from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Services
from bot.channels.telegram import TelegramChannel
from bot.config import Settings, load_settings
from tests.e2e.fake_telegram import FakeTelegram, Person
from tests.helpers import CONTENT, TEST_KEY
from tests.postgres import database_settings


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def settings(tmp_path: Path, fake: FakeTelegram, engine: str) -> Settings:
    database = tmp_path / "companion.db"
    return load_settings(_env_file=None, database_path=database, data_key=TEST_KEY, content_dir=CONTENT,
                         telegram_bot_token=fake.token, telegram_base_url=fake.base_url,
                         **database_settings(database, engine))


@pytest.fixture
async def telegram(services: Services) -> AsyncIterator[TelegramChannel]:
    """The real channel, polling the fake server."""
    channel = TelegramChannel(services)
    await channel.start()
    yield channel
    await channel.stop()


@pytest.fixture
def person(fake: FakeTelegram, telegram: TelegramChannel) -> Person:
    return Person(fake, telegram.application.update_queue)
