"""Every storage test that uses the services runs on both engines: one contract, SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.conftest import ENGINES


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)
