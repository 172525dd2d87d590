from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.storage.db import StorageError, migration_scripts
from bot.storage.sqlite import SqliteDatabase as Database


async def test_migrations_apply_once_in_order(tmp_path: Path) -> None:
    db = Database(tmp_path / "m.db")
    await db.connect()
    applied = await db.migrate()
    assert applied == [number for number, _ in migration_scripts()]
    assert await db.migrate() == []
    assert await db.version() == applied[-1]
    await db.close()


async def test_a_failing_migration_rolls_back_and_leaves_the_database_usable(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (x)")  # in the way of migration 0001
    db = Database(path)
    await db.connect()
    with pytest.raises(StorageError, match="migration 0001"):
        await db.migrate()
    assert await db.version() == 0
    assert not db.conn.in_transaction
    assert await db.fetchall("SELECT name FROM sqlite_master WHERE name = 'checkins'") == []
    await db.close()


async def test_pragmas_protect_deleted_data(tmp_path: Path) -> None:
    db = Database(tmp_path / "m.db")
    await db.connect()
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"  # type: ignore[index]
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1  # type: ignore[index]
    assert (await db.fetchone("PRAGMA secure_delete"))[0] == 1  # type: ignore[index]
    await db.close()
