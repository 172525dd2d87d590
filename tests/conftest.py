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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`pytestmark = pytest.mark.both_engines` runs a module's tests on SQLite and on PostgreSQL."""
    marked = metafunc.definition.get_closest_marker("both_engines")
    if marked and not metafunc.definition.get_closest_marker("sqlite_only") and "engine" in metafunc.fixturenames:
        metafunc.parametrize("engine", ENGINES, indirect=True)


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    """The database engine under test: SQLite unless the test is marked both_engines."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def settings(tmp_path: Path, engine: str) -> Settings:
    database = tmp_path / "companion.db"
    return load_settings(_env_file=None, database_path=database, data_key=TEST_KEY, content_dir=CONTENT,
                         **postgres.database_settings(database, engine))


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
