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
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
    assert (await db.fetchone("PRAGMA secure_delete"))[0] == 1
    await db.close()


async def test_0008_rebuilds_tables_so_ids_never_come_back_and_keeps_every_row_and_cascade(tmp_path: Path) -> None:
    path = tmp_path / "m.db"
    with sqlite3.connect(path) as conn:
        for number, sql in migration_scripts():
            if number < 8:
                conn.executescript(f"{sql}\nPRAGMA user_version = {number};")
        conn.execute("PRAGMA foreign_keys=ON")
        for n in (1, 2, 3):
            conn.execute("INSERT INTO contacts (id, lookup, channel, address, language, timezone, consented_at,"
                         " last_seen_at) VALUES (?, ?, 'console', x'00', 'en', 'UTC', 0, 0)", (n, bytes([n]) * 32))
        conn.execute("INSERT INTO checkins (contact_id, at, mood) VALUES (1, 0, 3)")
        conn.execute("INSERT INTO support_requests (id, requester_id, language, alias, reach, created_at, updated_at)"
                     " VALUES (7, 1, 'en', x'00', 'bot', 0, 0)")
        conn.execute("INSERT INTO support_asks (id, request_id, volunteer_id, asked_at) VALUES (9, 7, 2, 0)")
        conn.execute("INSERT INTO support_blocks (low_id, high_id, at) VALUES (1, 2, 0)")
        conn.execute("INSERT INTO deliveries (contact_id, kind, idem_key, due_at, payload, updated_at)"
                     " VALUES (2, 'support', 'support:ask:12', 0, x'00', 0)")
        conn.execute("DELETE FROM contacts WHERE id = 3")  # its id would come back without AUTOINCREMENT
    db = Database(path)
    await db.connect()
    assert await db.migrate() == [n for n, _ in migration_scripts() if n >= 8]
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
    assert [tuple(r) for r in await db.fetchall("SELECT id FROM contacts ORDER BY id")] == [(1,), (2,)]
    assert [tuple(r) for r in await db.fetchall("SELECT id, request_id FROM support_asks")] == [(9, 7)]
    assert len(await db.fetchall("SELECT * FROM support_shields")) == 2  # an old block is kept by both sides
    assert (await db.fetchone("SELECT idem_key FROM deliveries"))[0] == "support:ask:12:before-0008"
    new_id = await db.insert("INSERT INTO contacts (lookup, channel, address, language, timezone, consented_at,"
                             " last_seen_at) VALUES (x'09', 'console', x'00', 'en', 'UTC', 0, 0)")
    assert new_id > 1_000_000
    await db.execute("DELETE FROM contacts WHERE id = 1")  # foreign keys still point at the rebuilt table
    assert await db.fetchall("SELECT * FROM checkins") == []
    assert await db.fetchall("SELECT * FROM support_requests") == []
    assert await db.fetchall("SELECT * FROM support_asks") == []
    assert len(await db.fetchall("SELECT * FROM support_shields")) == 1
    await db.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
