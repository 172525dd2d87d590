"""LOG_FORMAT=json: one JSON object per line; in both formats no message text and no identifier."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import CONTENT, ROOT, TEST_KEY

NAME = "zed-31337"
SECRETS = (NAME, "secretword", "an unusual sentence nobody logs", "want to die")
SCRIPT = "\n".join(["/start", "1", "1", "1", "/checkin", "2", "secretword",
                    "an unusual sentence nobody logs", "I want to die", "/mydata", ""])


def console(tmp_path: Path, log_format: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(tmp_path / "companion.db"),
           "DATA_KEY": TEST_KEY, "CONTENT_DIR": str(CONTENT), "LOG_FORMAT": log_format}
    result = subprocess.run([sys.executable, "-m", "bot", "console", "--as", NAME], input=SCRIPT, text=True,
                            capture_output=True, env=env, cwd=tmp_path, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    return result.stderr


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_logs_hold_no_text_or_identifier_in_either_format(tmp_path: Path, log_format: str) -> None:
    logged = console(tmp_path, log_format)
    assert "applied migration" in logged  # something was logged, so the check below means something
    for secret in SECRETS:
        assert secret not in logged


def test_json_lines_are_objects_a_collector_can_read(tmp_path: Path) -> None:
    lines = [line for line in console(tmp_path, "json").splitlines() if line.strip()]
    assert lines
    for line in lines:
        record = json.loads(line)
        assert {"asctime", "level", "logger", "message"} <= set(record)


def test_an_unknown_log_format_is_one_clear_line(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_PATH": str(tmp_path / "companion.db"),
           "DATA_KEY": TEST_KEY, "CONTENT_DIR": str(CONTENT), "LOG_FORMAT": "xml"}
    result = subprocess.run([sys.executable, "-m", "bot", "db", "migrate"], capture_output=True, text=True,
                            env=env, cwd=tmp_path, timeout=60, check=False)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("error: LOG_FORMAT")
