"""Scheduled backups: one a day into BACKUP_DIR, private files, the newest BACKUP_KEEP kept, readable copies."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import psycopg
import pytest

from bot.app import Services
from bot.backups import BackupPolicy, backups_in
from bot.core.clock import FakeClock
from bot.scheduling.scheduler import Scheduling
from tests import postgres
from tests.helpers import Chat
from tests.outbox import FakeSender

pytestmark = pytest.mark.both_engines


def scheduling(services: Services, folder: Path, keep: int = 2) -> Scheduling:
    return Scheduling(services.store, services.library, services.clock, {"console": FakeSender()},
                      backups=BackupPolicy(folder, keep))


async def test_a_backup_a_day_kept_private_and_pruned(services: Services, clock: FakeClock, tmp_path: Path) -> None:
    ana = Chat(services.engine)
    await ana.consent()
    folder = tmp_path / "backups"
    jobs = scheduling(services, folder)
    await jobs.start()
    try:
        await jobs.backup()  # a second call the same day writes nothing more
        assert len(backups_in(folder)) == 1
        for _ in range(3):
            clock.advance(days=1)
            await jobs.backup()
    finally:
        await jobs.stop()
    kept = backups_in(folder)
    assert len(kept) == 2
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    for path in kept:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        if services.store.db.engine == "sqlite":
            with sqlite3.connect(path) as copy:
                assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                assert copy.execute("SELECT COUNT(*) FROM contacts").fetchone()[0] == 1
        else:  # pg_dump's custom format: pg_restore reads it back whole
            with psycopg.connect(postgres.restored(path)) as copy:
                assert copy.execute("SELECT COUNT(*) FROM contacts").fetchone() == (1,)


async def test_a_failed_backup_is_logged_and_the_bot_goes_on(services: Services, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the backup folder should be")
    jobs = scheduling(services, blocker)
    await jobs.start()  # does not raise
    try:
        assert jobs.running
    finally:
        await jobs.stop()
