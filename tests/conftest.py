from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Services, build_services
from bot.config import Settings, load_settings
from bot.core.clock import FakeClock
from tests import postgres
from tests.helpers import CONTENT, TEST_KEY, Chat

ENGINES = ("sqlite", "postgresql")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    postgres.stop()


@pytest.fixture
def engine() -> str:
    """The database engine under test; `@pytest.mark.parametrize("engine", ENGINES)` runs a test on both."""
    return "sqlite"


@pytest.fixture
def settings(tmp_path: Path, engine: str) -> Settings:
    extra = {} if engine == "sqlite" else {"database_url": postgres.server().fresh_database()}
    return load_settings(_env_file=None, database_path=tmp_path / "companion.db", data_key=TEST_KEY,
                         content_dir=CONTENT, **extra)


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
