from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from tests import postgres
from tests.helpers import CONTENT, ROOT, TEST_KEY, rows


def bot(tmp_path: Path, *args: str, **env_extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "c.db"), "DATA_KEY": TEST_KEY,
           "CONTENT_DIR": str(CONTENT), **env_extra}
    return subprocess.run([sys.executable, "-m", "bot", *args], text=True, capture_output=True, env=env,
                          cwd=ROOT, timeout=60, check=False)


def test_content_list_json_prints_one_object_per_exercise(tmp_path: Path) -> None:
    result = bot(tmp_path, "content", "list", "--json")
    assert result.returncode == 0, result.stderr
    items = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"id", "stage", "language", "minutes", "title"} <= items[0].keys()
    assert {item["stage"] for item in items} == {"self", "relationship", "leadership", "organisation", "community"}


def test_content_check_passes_on_the_real_library(tmp_path: Path) -> None:
    result = bot(tmp_path, "content", "check")
    assert result.returncode == 0, result.stdout


@pytest.mark.both_engines
def test_db_migrate_then_backup_makes_a_readable_copy(tmp_path: Path, engine: str) -> None:
    empty = {"DATABASE_URL": postgres.server().fresh_database(migrated=False)} if engine == "postgresql" else {}
    first = bot(tmp_path, "db", "migrate", **empty)
    assert first.returncode == 0, first.stderr
    assert "applied 0 migration" not in first.stdout
    again = bot(tmp_path, "db", "migrate", **empty)
    assert "applied 0 migration" in again.stdout
    result = bot(tmp_path, "db", "backup", str(tmp_path / "copy.db"), **empty)
    assert result.returncode == 0, result.stderr
    if engine == "sqlite":
        assert rows(tmp_path / "copy.db", "SELECT COUNT(*) FROM contacts") == [(0,)]
    else:  # pg_dump's custom format, read back by pg_restore
        with psycopg.connect(postgres.restored(tmp_path / "copy.db")) as copy:
            assert copy.execute("SELECT COUNT(*) FROM contacts").fetchone() == (0,)


def test_backup_to_an_unwritable_place_fails_with_a_clear_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = bot(tmp_path, "db", "backup", str(blocker / "sub" / "copy.db"))
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("error:")


def test_short_data_key_is_refused(tmp_path: Path) -> None:
    result = bot(tmp_path, "db", "migrate", DATA_KEY="short")
    assert result.returncode != 0
    assert "DATA_KEY" in result.stderr.strip().splitlines()[-1]


def test_missing_content_dir_is_a_clear_error(tmp_path: Path) -> None:
    result = bot(tmp_path, "content", "check", CONTENT_DIR=str(tmp_path / "nope"))
    assert result.returncode == 1
    assert "content folder is missing" in result.stdout
