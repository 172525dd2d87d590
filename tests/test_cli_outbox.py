from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.app import build_services
from bot.cli import main
from bot.core.clock import FakeClock
from tests.helpers import TEST_KEY, Chat
from tests.outbox import facilitator, new_cohort, plan_settings
from tests.postgres import database_env

pytestmark = pytest.mark.both_engines


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: str) -> Path:
    settings = plan_settings(tmp_path, engine)
    monkeypatch.chdir(tmp_path)
    for name, value in database_env(settings.database_path, engine).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DATA_KEY", TEST_KEY)
    monkeypatch.setenv("CONTENT_DIR", str(settings.content_dir))
    return tmp_path


async def _cohort_with_members(tmp_path: Path, engine: str) -> None:
    services = await build_services(plan_settings(tmp_path, engine), FakeClock())
    try:
        code = await new_cohort(await facilitator(services), name="Maputo crew")
        for name in ("Ana Maria", "Cy", "Bea"):
            person = Chat(services.engine, name)
            await person.consent()
            await person.send(f"/join {code}")
        await person.send("/stop")
    finally:
        await services.close()


def test_schedule_list_shows_pending_rows_and_no_personal_data(env: Path, engine: str,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_cohort_with_members(env, engine))
    assert main(["schedule", "list"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].split() == ["id", "kind", "due", "(UTC)", "cohort", "recipients", "note"]
    assert lines[1].split() == ["1", "followup", "2026-01-16", "07:00", "1", "2", "people"]
    assert lines[-1] == "6 pending deliveries"
    for private in ("Ana Maria", "Maputo", "ana", "Bea", "console"):
        assert private not in out


def test_schedule_why_explains_in_plain_words(env: Path, engine: str, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(_cohort_with_members(env, engine))
    assert main(["schedule", "list", "--why", "7"]) == 0
    assert "cancelled: the person sent /stop" in capsys.readouterr().out
    assert main(["schedule", "list", "--why", "1"]) == 0
    assert "is waiting for its time" in capsys.readouterr().out
    assert main(["schedule", "list", "--why", "999"]) == 0
    assert "No delivery 999" in capsys.readouterr().out


def test_facilitator_invite_prints_a_code_and_bad_input_fails_clearly(env: Path,
                                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["facilitator", "invite"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("facilitator code: ") and "/facilitator " in out
    assert main(["schedule", "list", "--limit", "0"]) == 2
    assert capsys.readouterr().err.startswith("error: --limit")
