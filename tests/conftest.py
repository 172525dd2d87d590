from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Services, build_services
from bot.config import Settings, load_settings
from bot.core.clock import FakeClock
from tests.helpers import CONTENT, TEST_KEY, Chat


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(_env_file=None, database_path=tmp_path / "companion.db", data_key=TEST_KEY,
                         content_dir=CONTENT)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def services(settings: Settings, clock: FakeClock) -> AsyncIterator[Services]:
    built = await build_services(settings, clock)
    yield built
    await built.close()


@pytest.fixture
def chat(services: Services) -> Chat:
    return Chat(services.engine)
