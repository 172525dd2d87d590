"""The PostgreSQL migrations are twins of the SQLite ones: same numbers and names, and the same schema after them.

Both schemas are read back from real databases (an in-memory SQLite one and a fresh database on the test
PostgreSQL server) and compared table by table: columns with their types mapped (INTEGER → bigint, BLOB → bytea,
TEXT → text) and NOT NULL, primary and unique keys, the number of CHECK constraints, explicit indexes, and
foreign keys with what a delete does.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from importlib import resources
from typing import Any

import psycopg

from bot.storage.db import migration_scripts
from tests import postgres

Schema = dict[str, dict[str, Any]]

CHECK = re.compile(r"\bCHECK\s*\(", re.IGNORECASE)
TYPES = {"INTEGER": "bigint", "BLOB": "bytea", "TEXT": "text"}
ON_DELETE = {"CASCADE": "cascade", "SET NULL": "set null", "NO ACTION": "no action",
             "c": "cascade", "n": "set null", "a": "no action"}


def migration_names(package: str) -> list[str]:
    return sorted(entry.name for entry in resources.files(package).joinpath("migrations").iterdir()
                  if entry.name.endswith(".sql") and entry.name[:4].isdigit())


def pg_scripts(numbers: Iterable[int]) -> list[str]:
    wanted = set(numbers)
    folder = resources.files("bot.storage.postgres").joinpath("migrations")
    return [folder.joinpath(name).read_text(encoding="utf-8")
            for name in migration_names("bot.storage.postgres") if int(name[:4]) in wanted]


def sqlite_schema(scripts: Iterable[str]) -> Schema:
    conn = sqlite3.connect(":memory:")
    try:
        for sql in scripts:
            conn.executescript(sql)
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        schema: Schema = {}
        for table in tables:
            columns = {name: (TYPES.get(kind.upper(), kind), bool(notnull) or pk > 0)
                       for _, name, kind, notnull, _, pk in conn.execute(f"PRAGMA table_info({table})")}
            indexes = {row[0] for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
                " AND name NOT LIKE 'sqlite_autoindex_%'", (table,))}
            keys = {(row[3], row[2], ON_DELETE[row[6]])
                    for row in conn.execute(f"PRAGMA foreign_key_list({table})")}
            primary = tuple(name for _, name, *_, pk in sorted(conn.execute(f"PRAGMA table_info({table})"),
                                                                 key=lambda row: row[5]) if pk > 0)
            unique = {tuple(info[2] for info in conn.execute(f"PRAGMA index_info({row[1]})"))
                      for row in conn.execute(f"PRAGMA index_list({table})") if row[3] == "u"}
            sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
            schema[table] = {"columns": columns, "indexes": indexes, "foreign_keys": keys, "primary_key": primary,
                             "unique": unique, "checks": len(CHECK.findall(re.sub(r"--[^\n]*", "", sql)))}
        return schema
    finally:
        conn.close()


def pg_schema(url: str) -> Schema:
    with psycopg.connect(url) as conn:
        tables = [row[0] for row in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            " AND table_type = 'BASE TABLE' AND table_name <> 'schema_version'")]
        schema: Schema = {}
        for table in tables:
            columns = {name: (kind, nullable == "NO") for name, kind, nullable in conn.execute(
                "SELECT column_name, data_type, is_nullable FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = %s", (table,))}
            indexes = {row[0] for row in conn.execute(
                "SELECT i.indexname FROM pg_indexes i WHERE i.schemaname = current_schema() AND i.tablename = %s"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", (table,))}
            keys = {(column, target, ON_DELETE[action]) for column, target, action in conn.execute(
                "SELECT a.attname, c.confrelid::regclass::text, c.confdeltype FROM pg_constraint c"
                " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
                " WHERE c.contype = 'f' AND c.conrelid = %s::regclass", (table,))}
            constraints = conn.execute(
                "SELECT c.contype, array_agg(a.attname ORDER BY k.ord) FROM pg_constraint c"
                " CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k (attnum, ord)"
                " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum"
                " WHERE c.conrelid = %s::regclass AND c.contype IN ('p', 'u') GROUP BY c.oid, c.contype",
                (table,)).fetchall()
            primary = next((tuple(names) for kind, names in constraints if kind == "p"), ())
            unique = {tuple(names) for kind, names in constraints if kind == "u"}
            checks = conn.execute("SELECT count(*) FROM pg_constraint WHERE conrelid = %s::regclass"
                                  " AND contype = 'c'", (table,)).fetchone()[0]  # type: ignore[index]
            schema[table] = {"columns": columns, "indexes": indexes, "foreign_keys": keys, "primary_key": primary,
                             "unique": unique, "checks": checks}
        return schema


def migrated_pg(scripts: Iterable[str]) -> str:
    url = postgres.server().fresh_database(migrated=False)
    with psycopg.connect(url) as conn:
        for sql in scripts:
            conn.execute(sql)  # our own files, no parameters
    return url


def test_every_sqlite_migration_has_a_postgres_twin_of_the_same_name() -> None:
    sqlite = migration_names("bot.storage")
    assert sorted(set(sqlite) - set(migration_names("bot.storage.postgres"))) == []


def test_both_engines_end_with_the_same_tables_columns_keys_checks_and_indexes() -> None:
    scripts = migration_scripts()
    expected = sqlite_schema(sql for _, sql in scripts)
    actual = pg_schema(migrated_pg(pg_scripts(number for number, _ in scripts)))
    assert sorted(actual) == sorted(expected)
    for table, shape in expected.items():
        assert actual[table] == shape, table


def test_0008_keeps_every_block_on_both_sides_and_marks_old_support_keys() -> None:
    """On PostgreSQL too: blocks become shields on each side, by look-up hash; old outbox keys get a suffix."""
    url = migrated_pg(pg_scripts(range(1, 8)))
    with psycopg.connect(url) as conn:
        ids = [conn.execute(
            "INSERT INTO contacts (lookup, channel, address, language, timezone, consented_at, last_seen_at)"
            " VALUES (%s, 'telegram', %s, 'en', 'UTC', 1, 1) RETURNING id", (f"hash{n}".encode(), b"x"),
        ).fetchone()[0] for n in range(2)]  # type: ignore[index]
        conn.execute("INSERT INTO support_blocks (low_id, high_id, at) VALUES (%s, %s, 5)", ids)
        for key in ("support:ask:1", "offer:3", "followup:1:d1"):
            conn.execute("INSERT INTO deliveries (contact_id, kind, idem_key, due_at, payload, updated_at)"
                         " VALUES (%s, 'support', %s, 1, %s, 1)", (ids[0], key, b"p"))
        conn.commit()
        conn.execute(pg_scripts([8])[0])
        shields = conn.execute("SELECT contact_id, other, at FROM support_shields ORDER BY contact_id").fetchall()
        keys = conn.execute("SELECT idem_key FROM deliveries ORDER BY id").fetchall()
        blocks = conn.execute("SELECT to_regclass('support_blocks')").fetchone()
    assert shields == [(ids[0], b"hash1", 5), (ids[1], b"hash0", 5)]
    assert [key for key, in keys] == ["support:ask:1:before-0008", "offer:3:before-0008", "followup:1:d1"]
    assert blocks == (None,)
