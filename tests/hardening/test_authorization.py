"""Every facilitator-only command, tried by people who are not facilitators: refused, nothing changed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Services
from bot.core.features import all_features
from tests.helpers import Chat, rows, table_names

pytestmark = pytest.mark.both_engines

FACILITATOR_COMMANDS = sorted({c for f in all_features() for c in f.facilitator_only})


def snapshot(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, except the last-seen time that any message updates."""
    return {t: sorted(rows(db, f"SELECT * FROM {t}"), key=repr)
            for t in table_names(db) if t != "contacts"}


def test_the_facilitator_commands_are_known() -> None:
    assert {"newcohort", "cohorts"} <= set(FACILITATOR_COMMANDS)


@pytest.mark.parametrize("command", FACILITATOR_COMMANDS)
async def test_a_participant_is_refused_politely_and_nothing_changes(services: Services, command: str) -> None:
    chat = Chat(services.engine)
    await chat.consent()
    before = snapshot(services.settings.database_path)
    replies = await chat.send(f"/{command} something")
    assert "facilitators only" in replies[0].text
    assert snapshot(services.settings.database_path) == before


@pytest.mark.parametrize("command", FACILITATOR_COMMANDS)
async def test_someone_who_never_consented_is_refused_and_stored_nowhere(services: Services, command: str) -> None:
    chat = Chat(services.engine)
    await chat.send(f"/{command}")
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM contacts") == [(0,)]
