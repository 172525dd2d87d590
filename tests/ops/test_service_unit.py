"""deploy/companion.service: a valid systemd unit that runs `python -m bot run` unprivileged and hardened."""

from __future__ import annotations

import configparser
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

UNIT = ROOT / "deploy" / "companion.service"


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNIT, encoding="utf-8")
    return parser


def test_the_unit_runs_the_bot_unprivileged_with_hardening() -> None:
    service = unit()["Service"]
    assert service["ExecStart"].endswith("-m bot run")
    assert service["User"] != "root"
    assert service["EnvironmentFile"].endswith(".env")
    assert service["Restart"] == "on-failure"
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "PrivateTmp": "yes",
                       "ProtectHome": "yes"}.items():
        assert service[key] == value
    assert service["StateDirectory"] == "companion"
    assert service["Environment"]  # the database and backups live in the state directory


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed here")
def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    # verify checks that ExecStart exists: point the install folder at this checkout's Python and a temp folder.
    text = UNIT.read_text(encoding="utf-8")
    text = text.replace("/opt/companion/.venv/bin/python", sys.executable).replace("/opt/companion", str(tmp_path))
    (tmp_path / ".env").write_text("")
    copy = tmp_path / "companion.service"
    copy.write_text(text, encoding="utf-8")
    result = subprocess.run(["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    complaints = [line for line in result.stderr.splitlines() if "companion.service" in line]
    assert complaints == []
