"""Failures of the machine around the bot: a locked database, a full disk during backup."""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bot.app import Services
from tests.helpers import CONTENT, ROOT, TEST_KEY, Chat, rows

pytestmark = pytest.mark.both_engines


@pytest.mark.sqlite_only  # SQLite's file lock; PostgreSQL has row locks and its own tests
async def test_a_briefly_locked_database_delays_but_loses_nothing(services: Services, chat: Chat) -> None:
    await chat.consent()
    db = services.settings.database_path
    locked = threading.Event()

    def hold_lock() -> None:
        with sqlite3.connect(db, timeout=5) as other:
            other.execute("BEGIN IMMEDIATE")
            locked.set()
            time.sleep(0.5)
            other.execute("ROLLBACK")

    holder = threading.Thread(target=hold_lock)
    holder.start()
    await asyncio.to_thread(locked.wait, 5)
    await chat.send("/checkin")
    await chat.press("Good")
    holder.join()
    assert "Thanks" in chat.text
    assert rows(db, "SELECT mood FROM checkins") == [(4,)]


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (16 * 1024, 16 * 1024))


async def test_a_full_disk_during_backup_is_a_clear_error_and_corrupts_nothing(services: Services) -> None:
    for n in range(300):
        chat = Chat(services.engine, f"person-{n}")
        await chat.consent()
    await services.store.db.checkpoint()
    db = services.settings.database_path
    target = db.parent / "backup.db"
    env = {**os.environ, "DATABASE_PATH": str(db), "DATABASE_URL": services.settings.database, "DATA_KEY": TEST_KEY,
           "CONTENT_DIR": str(CONTENT)}
    result = subprocess.run([sys.executable, "-m", "bot", "db", "backup", str(target)], env=env, cwd=ROOT,
                            text=True, capture_output=True, timeout=60, check=False, preexec_fn=_limit_file_size)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("error: backup")
    assert not target.exists()
    assert not Path(str(target) + ".partial").exists()
    if services.store.db.engine == "sqlite":
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert rows(db, "SELECT COUNT(*) FROM contacts") == [(300,)]
