"""The console chat in a real subprocess, fed from a pipe, as a newcomer would use it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import CONTENT, ROOT, TEST_KEY, rows
from tests.postgres import database_env


def console(tmp_path: Path, script: str, *args: str, engine: str = "sqlite") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **database_env(tmp_path / "c.db", engine), "DATA_KEY": TEST_KEY,
           "CONTENT_DIR": str(CONTENT)}
    for name in ("TELEGRAM_BOT_TOKEN", "WHATSAPP_ACCESS_TOKEN"):
        env.pop(name, None)
    return subprocess.run([sys.executable, "-m", "bot", "console", *args], input=script, text=True,
                          capture_output=True, env=env, cwd=tmp_path, timeout=60, check=False)


@pytest.mark.both_engines
def test_a_newcomer_consents_checks_in_reflects_exports_and_deletes(tmp_path: Path, engine: str) -> None:
    script = "\n".join([
        "/start", "1", "1", "1",        # English, I agree, no notes
        "/checkin", "2",                # Good
        "/reflect", "1",                # start the suggestion
        "1", "1", "1", "1", "1",        # Next through the steps, then a choice
        "journey",
        "/mydata",
        "/forget", "1",
    ]) + "\n"
    result = console(tmp_path, script, engine=engine)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Which language" in out
    assert "  5. 😞 Very low" in out
    assert "Good to hear" in out
    assert "Done ✓" in out
    assert "Self: 1 of" in out
    assert "[file:" in out
    assert "Everything is deleted" in out
    assert rows(tmp_path / "c.db", "SELECT COUNT(*) FROM contacts") == [(0,)]


@pytest.mark.both_engines
def test_two_people_share_one_database(tmp_path: Path, engine: str) -> None:
    console(tmp_path, "/start\n1\n1\n1\n", "--as", "ana", engine=engine)
    result = console(tmp_path, "/start\n1\n1\n1\n", "--as", "ben", engine=engine)
    assert result.returncode == 0
    assert rows(tmp_path / "c.db", "SELECT COUNT(*) FROM contacts") == [(2,)]


def test_end_of_input_exits_cleanly_with_nothing_typed(tmp_path: Path) -> None:
    result = console(tmp_path, "")
    assert result.returncode == 0
    assert result.stdout == ""


def test_bad_setting_stops_with_one_line_naming_it(tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "c.db"), "DEFAULT_TIMEZONE": "Mars/Olympus"}
    result = subprocess.run([sys.executable, "-m", "bot", "db", "migrate"], text=True, capture_output=True,
                            env=env, cwd=ROOT, timeout=60, check=False)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("error: DEFAULT_TIMEZONE:")
