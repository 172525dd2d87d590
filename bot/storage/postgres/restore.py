"""`db restore` on PostgreSQL: a backup made by `db backup` goes back whole, or nothing changes.

`db backup` wrote either a pg_dump archive (custom format) or, where pg_dump was missing, a logical copy (one
JSON line per row). Before anything is touched the whole backup is read (pg_restore turns an archive into a
script, so a damaged one is refused here) and its key check value is compared with the key in use. Then, in
one transaction, every table of the live database is dropped and the backup's schema and rows take their place;
the migrations that came after the backup run last, as on SQLite.

An archive goes back through `psql --single-transaction` (pg_restore's script holds COPY blocks that only psql
feeds); a logical copy goes back through our own connection: the migrations up to the backup's version, the rows
in foreign-key order, and each identity sequence moved past the highest id restored.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.storage.db import StorageError, migration_files
from bot.storage.postgres.database import LOGICAL_FORMAT, PostgresDatabase, client_env

ARCHIVE_MAGIC = b"PGDMP"
_COPY = re.compile(r"^COPY (?:[\w\"]+\.)?\"?(\w+)\"? \(([^)]*)\) FROM stdin;$")
_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


@dataclass
class Backup:
    """What a backup holds, read without changing anything: enough to judge it before it goes back."""

    source: Path
    archive: bool
    key_check: bytes | None = None
    sample: bytes | None = None  # one encrypted address (the lowest id), for backups before key check values
    people: int = 0
    version: int = 0  # logical copies only: the schema version the rows were written under
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


async def read_backup(source: Path) -> Backup:
    """Read a `db backup` file whole; StorageError when it is neither format or is damaged."""
    try:
        head = await asyncio.to_thread(_head, source)
    except OSError as exc:
        raise StorageError(f"{source.name} cannot be read: {exc}") from exc
    if head == ARCHIVE_MAGIC:
        return await _read_archive(source)
    return await asyncio.to_thread(_read_logical, source)


def _head(source: Path) -> bytes:
    with source.open("rb") as handle:
        return handle.read(len(ARCHIVE_MAGIC))


async def restore(db: PostgresDatabase, backup: Backup) -> None:
    """Put the backup in place of every table of `db` in one transaction (then migrate it: see `db.migrate`)."""
    keep_counting = await _sequences_past(db)
    if backup.archive:
        await _restore_archive(db, backup.source, keep_counting)
    else:
        await _restore_logical(db, backup, keep_counting)


async def _sequences_past(db: PostgresDatabase) -> str:
    """SQL that moves each id sequence past every id the live database has handed out, so ids issued after the
    backup was made are never issued again (an old button or outbox key must not reach someone new)."""
    found = await db.fetchall(
        "SELECT s, pg_sequence_last_value(s::regclass) FROM (SELECT pg_get_serial_sequence("
        "quote_ident(table_schema) || '.' || quote_ident(table_name), column_name) AS s"
        " FROM information_schema.columns WHERE table_schema = current_schema() AND is_identity = 'YES') AS ids")
    values = ", ".join(f"('{name}', {int(last)})" for name, last in found if last is not None)
    if not values:
        return "SELECT 1"
    return ("SELECT setval(seq::regclass, GREATEST(live, COALESCE(pg_sequence_last_value(seq::regclass), 0)))"  # noqa: S608
            f" FROM (VALUES {values}) AS past (seq, live) WHERE to_regclass(seq) IS NOT NULL")


# --- pg_dump archives ---------------------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise StorageError(f"this backup is a pg_dump archive: {name} is needed to restore it (install the "
                           "postgresql-client package)")
    return found


async def _run(*args: str, env: dict[str, str] | None = None) -> bytes:
    process = await asyncio.create_subprocess_exec(*args, env=env, stdout=asyncio.subprocess.PIPE,
                                                   stderr=asyncio.subprocess.PIPE)
    out, err = await process.communicate()
    if process.returncode != 0:
        first = next((line for line in err.decode(errors="replace").splitlines() if line.strip()), "no message")
        raise StorageError(f"{Path(args[0]).name} exited with {process.returncode}: {first[:200]}")
    return out


async def _read_archive(source: Path) -> Backup:
    """The key check value, one address and the number of people, from the archive's COPY data."""
    try:
        script = await _run(_tool("pg_restore"), "--data-only", "--table=key_check", "--table=contacts",
                            "--file=-", str(source))
    except StorageError as exc:
        raise StorageError(f"{source.name} is not a readable backup: {exc}") from exc
    blocks = dict(_copy_blocks(script.decode()))
    checks = blocks.get("key_check", [])
    people = sorted(blocks.get("contacts", []), key=lambda row: int(row["id"] or 0))
    return Backup(source, archive=True,
                  key_check=_bytea(checks[0]["value"]) if checks else None,
                  sample=_bytea(people[0]["address"]) if people else None, people=len(people))


def _copy_blocks(script: str) -> Iterator[tuple[str, list[dict[str, str | None]]]]:
    """(table, rows) of each `COPY … FROM stdin;` block of a pg_restore script (COPY's text format)."""
    lines = iter(script.split("\n"))
    for line in lines:
        match = _COPY.match(line)
        if match is None:
            continue
        columns = [name.strip().strip('"') for name in match.group(2).split(",")]
        rows = []
        for data in lines:
            if data == "\\.":
                break
            rows.append(dict(zip(columns, (_copy_value(v) for v in data.split("\t")), strict=True)))
        yield match.group(1), rows


def _copy_value(text: str) -> str | None:
    if text == "\\N":
        return None
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text)


def _bytea(value: str | None) -> bytes | None:
    """bytea as COPY writes it: `\\x` and hex digits."""
    if value is None:
        return None
    if not value.startswith("\\x"):
        raise StorageError("unexpected bytea value in the backup")
    return bytes.fromhex(value[2:])


async def _restore_archive(db: PostgresDatabase, source: Path, keep_counting: str) -> None:
    """pg_restore writes the whole script first (a damaged archive fails here, before any change); psql then runs
    the drop and the script in one transaction, stopping and rolling back at the first error."""
    pg_restore, psql = _tool("pg_restore"), _tool("psql")
    tables = [*await db.tables(), "schema_version"]
    drop = f"DROP TABLE IF EXISTS {', '.join(tables)} CASCADE;"
    fd, script = tempfile.mkstemp(prefix="companion-restore-", suffix=".sql")  # 0600; encrypted fields only
    os.close(fd)
    try:
        await _run(pg_restore, "--no-owner", "--no-privileges", f"--file={script}", str(source))
        await _run(psql, "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction",
                   f"--command={drop}", f"--file={script}", f"--command={keep_counting}", env=client_env(db.url))
    finally:
        await asyncio.to_thread(Path(script).unlink, missing_ok=True)


# --- logical copies -----------------------------------------------------------------------------------------


def _read_logical(source: Path) -> Backup:
    backup = Backup(source, archive=False)
    try:
        with source.open(encoding="utf-8") as lines:
            header = json.loads(next(lines, "{}"))
            if not isinstance(header, dict) or header.get("format") != LOGICAL_FORMAT:
                raise StorageError(f"{source.name} is not a backup made by `db backup`")
            backup.version = int(header["version"])
            for line in lines:
                item = json.loads(line)
                row = {k: base64.b64decode(v["b64"]) if isinstance(v, dict) else v for k, v in item["row"].items()}
                backup.rows.setdefault(str(item["table"]), []).append(row)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise StorageError(f"{source.name} is not a readable backup: {exc}") from exc
    checks = backup.rows.get("key_check", [])
    people = sorted(backup.rows.get("contacts", []), key=lambda row: int(row["id"]))
    backup.key_check = checks[0]["value"] if checks else None
    backup.sample = people[0]["address"] if people else None
    backup.people = len(people)
    return backup


async def _restore_logical(db: PostgresDatabase, backup: Backup, keep_counting: str) -> None:
    known = {number for number, _ in migration_files("bot.storage.postgres")}
    if backup.version > max(known, default=0):
        raise StorageError(f"{backup.source.name} was written by a newer version (schema {backup.version})")
    tables = [*await db.tables(), "schema_version"]
    async with db.tx() as conn:
        await conn.execute(f"DROP TABLE IF EXISTS {', '.join(tables)} CASCADE")
        for number, sql in migration_files("bot.storage.postgres"):
            if number <= backup.version:
                await conn.execute(sql)  # our own file, no parameters
        await conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
        await conn.execute("INSERT INTO schema_version (version) VALUES (?)", (backup.version,))
        edges = await conn.fetchall(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c"
            " WHERE c.contype = 'f' AND c.conrelid <> c.confrelid")
        for table in _parents_first(list(backup.rows), [(str(a), str(b)) for a, b in edges]):
            rows = backup.rows[table]
            columns = list(rows[0])
            await conn.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) OVERRIDING SYSTEM VALUE"  # noqa: S608
                f" VALUES ({', '.join('?' for _ in columns)})", [[row[c] for c in columns] for row in rows])
        for table, column in await conn.fetchall(
                "SELECT table_name, column_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND is_identity = 'YES'"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"  # noqa: S608
                               f" GREATEST((SELECT MAX({column}) FROM {table}), 1))")
        await conn.execute(keep_counting)


def _parents_first(tables: list[str], edges: list[tuple[str, str]]) -> list[str]:
    """The tables ordered so a row's foreign keys always point at rows already in place."""
    ordered: list[str] = []
    waiting = set(tables)
    while waiting:
        ready = sorted(t for t in waiting if not any(child == t and parent in waiting for child, parent in edges))
        if not ready:
            raise StorageError(f"foreign keys form a cycle among {sorted(waiting)}")
        ordered += ready
        waiting -= set(ready)
    return ordered
