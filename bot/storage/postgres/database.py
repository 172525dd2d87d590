"""PostgreSQL through psycopg 3 and a psycopg_pool connection pool.

Repositories write `?` placeholders; they are turned into psycopg's `%s` once per statement text (cached).
Parameters are bound on the client (`AsyncClientCursor`): our statements use untyped parameters in places
(`? IS NULL`, `CASE WHEN ? = …`) that server-side binding cannot type, and the same text then runs on both
engines unchanged.

Migrations are numbered SQL files in `postgres/migrations/`, twins of SQLite's `0001`–`NNNN`, applied by a
runner of a few lines rather than a migration tool: the SQLite side keeps its schema version in
`PRAGMA user_version` and each branch of the project adds one numbered file per engine, so the same number
means the same change on both; a tool such as Alembic would bring SQLAlchemy and a second numbering. The
version lives in `schema_version`; an advisory lock lets only one process migrate at a time.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import json
import logging
import os
import shutil
import zlib
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from psycopg import AsyncClientCursor, AsyncConnection
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import RowMaker
from psycopg_pool import AsyncConnectionPool

from bot.storage.db import IntegrityError, Result, Statement, StorageError, migration_files, with_returning_id

log = logging.getLogger(__name__)

MIGRATION_LOCK = 7_261_001  # pg_advisory_xact_lock key: one migrator at a time
PERSON_LOCKS = 7_261_002  # first key of pg_advisory_xact_lock(PERSON_LOCKS, contact_id)
TICK_LOCKS = 7_261_003  # first key of pg_try_advisory_lock(TICK_LOCKS, crc32(tick name))
LOCK_CONNECTIONS = 16  # people being answered at once per process; more wait for a lock connection
LOGICAL_FORMAT = "companion-logical-v1"  # the first line of a backup written without pg_dump
_CLIENT_ENV = {"host": "PGHOST", "port": "PGPORT", "user": "PGUSER", "password": "PGPASSWORD",
               "dbname": "PGDATABASE", "sslmode": "PGSSLMODE"}


@functools.lru_cache(maxsize=2048)
def to_psycopg(sql: str) -> str:
    """`?` → `%s` outside string literals; a literal `%` → `%%` (psycopg reads `%` everywhere)."""
    out = []
    quoted = False
    for ch in sql:
        if ch == "'":
            quoted = not quoted
            out.append(ch)
        elif ch == "%":
            out.append("%%")
        elif ch == "?" and not quoted:
            out.append("%s")
        else:
            out.append(ch)
    return "".join(out)


class PgRow:
    """A row by position or by column name, like sqlite3.Row."""

    __slots__ = ("_index", "_values")

    def __init__(self, values: Sequence[Any], index: dict[str, int]) -> None:
        self._values = tuple(_plain(v) for v in values)
        self._index = index

    def __getitem__(self, key: Any) -> Any:
        return self._values[self._index[key]] if isinstance(key, str) else self._values[key]

    def keys(self) -> list[str]:
        return list(self._index)

    def __iter__(self) -> Any:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __eq__(self, other: object) -> bool:
        return tuple(self._values) == (tuple(other) if isinstance(other, (tuple, list, PgRow)) else other)

    def __hash__(self) -> int:
        return hash(self._values)

    def __repr__(self) -> str:
        return repr(self._values)


def _plain(value: Any) -> Any:
    """SUM and AVG give NUMERIC: an int when whole, else a float, as SQLite gives."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def client_env(url: str) -> dict[str, str]:
    """The environment for pg_dump, pg_restore or psql to reach this database: the password never goes on a
    command line, where other users of the machine could read it."""
    env = dict(os.environ)
    for key, value in conninfo_to_dict(url).items():
        if key in _CLIENT_ENV and value is not None:
            env[_CLIENT_ENV[key]] = str(value)
    return env


def _rows(cursor: Any) -> RowMaker[PgRow]:
    index = {column.name: i for i, column in enumerate(cursor.description or ())}
    return lambda values: PgRow(values, index)


def _bind(params: Sequence[Any]) -> tuple[Any, ...]:
    """Flags are INTEGER 0/1 columns on both engines; Python booleans go as 0/1 (SQLite does the same)."""
    return tuple(int(p) if isinstance(p, bool) else p for p in params)


async def _run(conn: AsyncConnection[Any], sql: str, params: Sequence[Any]) -> Result:
    try:
        cursor = await conn.execute(to_psycopg(sql) if params else sql, _bind(params) or None)
        rows = await cursor.fetchall() if cursor.description is not None else []
        return Result(list(rows), cursor.rowcount)
    except psycopg.errors.IntegrityError as exc:
        raise IntegrityError(str(exc).splitlines()[0]) from exc


async def _run_many(conn: AsyncConnection[Any], sql: str, rows: Iterable[Sequence[Any]]) -> int:
    changed = 0
    text = to_psycopg(sql)
    try:
        async with conn.cursor() as cursor:
            for params in rows:
                await cursor.execute(text, _bind(params))
                changed += max(cursor.rowcount, 0)
    except psycopg.errors.IntegrityError as exc:
        raise IntegrityError(str(exc).splitlines()[0]) from exc
    return changed


class _Conn:
    """The connection inside `tx()`: one pooled connection with an open transaction."""

    def __init__(self, conn: AsyncConnection[Any]) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Statement:
        return Statement(lambda: _run(self._conn, sql, params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        return await _run_many(self._conn, sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return next(iter((await _run(self._conn, sql, params)).rows), None)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return (await _run(self._conn, sql, params)).rows

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        rows = (await _run(self._conn, with_returning_id(sql), params)).rows
        if not rows:
            raise StorageError("insert returned no row id")
        return int(rows[0][0])

    async def lock_person(self, contact_id: int) -> None:
        """Every process that touches this person waits here until the holder's transaction ends."""
        await _run(self._conn, "SELECT pg_advisory_xact_lock(?, ?)", (PERSON_LOCKS, contact_id))


class PostgresDatabase:
    """A pool of autocommit connections; `tx()` lends one connection for one transaction."""

    engine = "postgresql"
    skip_locked = " FOR UPDATE SKIP LOCKED"
    shared = True

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 8) -> None:
        self.url = url
        self._min, self._max = min_size, max_size
        self._pool: AsyncConnectionPool[AsyncConnection[Any]] | None = None
        self._references: dict[str, list[tuple[str, str]]] = {}
        # Session-level advisory locks need a connection held for the whole block: they come from their own
        # pool, so holders can never starve the statements they run (which use the main pool).
        self._locks: AsyncConnectionPool[AsyncConnection[Any]] | None = None

    async def connect(self) -> None:
        async def configure(conn: AsyncConnection[Any]) -> None:
            conn.row_factory = _rows

        pool: AsyncConnectionPool[AsyncConnection[Any]] = AsyncConnectionPool(
            self.url, min_size=self._min, max_size=self._max, open=False, configure=configure,
            kwargs={"autocommit": True, "cursor_factory": AsyncClientCursor}, name="companion",
        )
        try:
            await pool.open(wait=True, timeout=15)
        except Exception as exc:  # the pool reports any connection failure as its own timeout
            await pool.close()
            raise StorageError("DATABASE_URL: cannot connect to PostgreSQL") from exc
        self._pool = pool
        self._locks = AsyncConnectionPool(self.url, min_size=0, max_size=LOCK_CONNECTIONS, open=False,
                                          kwargs={"autocommit": True}, name="companion-locks")
        await self._locks.open()

    async def close(self) -> None:
        if self._locks is not None:
            await self._locks.close()
            self._locks = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @asynccontextmanager
    async def person_lock(self, key: int) -> AsyncIterator[None]:
        """pg_advisory_lock on a keyed hash of the person: their updates run one at a time in all processes."""
        if self._locks is None:
            raise StorageError("database is not connected")
        async with self._locks.connection() as conn:
            await conn.execute("SELECT pg_advisory_lock(%s)", (key,))
            try:
                yield None
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (key,))

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[bool]:
        """pg_try_advisory_lock for a tick: one process runs it at a time; a dead holder's lock goes with it."""
        if self._locks is None:
            raise StorageError("database is not connected")
        key = TICK_LOCKS, zlib.crc32(name.encode()) & 0x7FFFFFFF
        async with self._locks.connection() as conn:
            cursor = await conn.execute("SELECT pg_try_advisory_lock(%s, %s)", key)
            row = await cursor.fetchone()
            held = bool(row and row[0])
            try:
                yield held
            finally:
                if held:
                    await conn.execute("SELECT pg_advisory_unlock(%s, %s)", key)

    @property
    def pool(self) -> AsyncConnectionPool[AsyncConnection[Any]]:
        if self._pool is None:
            raise StorageError("database is not connected")
        return self._pool

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[_Conn]:
        async with self.pool.connection() as conn, conn.transaction():
            yield _Conn(conn)

    async def _one(self, sql: str, params: Sequence[Any]) -> Result:
        async with self.pool.connection() as conn:
            return await _run(conn, sql, params)

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return next(iter((await self._one(sql, params)).rows), None)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return (await self._one(sql, params)).rows

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return (await self._one(sql, params)).rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        async with self.tx() as conn:
            return await conn.executemany(sql, rows)

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        rows = (await self._one(with_returning_id(sql), params)).rows
        if not rows:
            raise StorageError("insert returned no row id")
        return int(rows[0][0])

    async def checkpoint(self, tables: Sequence[str] = ()) -> bool:
        """VACUUM the tables rows were deleted from, so their dead tuples are gone from the data files.

        (The WAL keeps them until its segments are recycled; see the README on PostgreSQL and /forget.)
        """
        names = [t for t in dict.fromkeys(tables) if t in set(await self.tables())]
        if names:
            async with self.pool.connection() as conn:
                await conn.execute(f"VACUUM {', '.join(names)}")
        return True

    async def size_bytes(self) -> int:
        row = await self.fetchone("SELECT pg_database_size(current_database())")
        return int(row[0]) if row else 0

    async def version(self) -> int:
        row = await self.fetchone("SELECT to_regclass('schema_version') IS NOT NULL")
        if not row or not row[0]:
            return 0
        row = await self.fetchone("SELECT version FROM schema_version")
        return int(row[0]) if row else 0

    async def migrate(self) -> list[int]:
        applied = []
        for number, sql in migration_files("bot.storage.postgres"):
            async with self.pool.connection() as conn:
                try:
                    async with conn.transaction():
                        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                        await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                        cursor = await conn.execute("SELECT version FROM schema_version")
                        row = await cursor.fetchone()
                        if row is None:
                            await conn.execute("INSERT INTO schema_version (version) VALUES (0)")
                        if row is not None and int(row[0]) >= number:
                            continue
                        await conn.execute(sql)  # our own file, no parameters
                        await conn.execute("UPDATE schema_version SET version = %s", (number,))
                except psycopg.Error as exc:
                    raise StorageError(f"migration {number:04d} failed: {str(exc).splitlines()[0]}") from exc
            applied.append(number)
            log.info("applied migration %04d", number)
        self._references.clear()
        return applied

    async def tables(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
            " AND table_type = 'BASE TABLE' AND table_name <> 'schema_version' ORDER BY table_name")
        return [row[0] for row in rows]

    async def blob_columns(self, table: str) -> list[str]:
        rows = await self.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = ? AND data_type = 'bytea' ORDER BY ordinal_position", (table,))
        return [row[0] for row in rows]

    async def references(self, table: str) -> list[tuple[str, str]]:
        if table not in self._references:
            rows = await self.fetchall(
                "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c"
                " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
                " WHERE c.contype = 'f' AND c.confrelid = ?::regclass ORDER BY 1, 2", (table,))
            self._references[table] = [(row[0], row[1]) for row in rows]
        return self._references[table]

    async def backup(self, target: Path) -> None:
        """pg_dump (custom format) where it is installed, else a logical copy: one JSON line per row.

        Either way encrypted fields stay encrypted. The password goes to pg_dump in its environment, never
        on its command line.
        """
        tmp = target.with_name(target.name + ".partial")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp.unlink(missing_ok=True)
            pg_dump = shutil.which("pg_dump")
            if pg_dump:
                await self._pg_dump(pg_dump, tmp)
            else:
                await self._logical_copy(tmp)
            tmp.replace(target)
        except (OSError, psycopg.Error) as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise StorageError(f"backup to {target.name} failed: {exc}") from exc

    async def _pg_dump(self, pg_dump: str, tmp: Path) -> None:
        process = await asyncio.create_subprocess_exec(
            pg_dump, "--format=custom", "--no-owner", f"--file={tmp}", env=client_env(self.url),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
        _, err = await process.communicate()
        if process.returncode != 0:
            raise OSError(f"pg_dump exited with {process.returncode}: {err.decode(errors='replace')[:200]}")

    async def _logical_copy(self, tmp: Path) -> None:
        tables = await self.tables()
        with tmp.open("w", encoding="utf-8") as out:
            async with self.tx() as conn:
                await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                out.write(json.dumps({"format": LOGICAL_FORMAT, "version": await self.version()}) + "\n")
                for table in tables:
                    for row in await conn.fetchall(f"SELECT * FROM {table}"):  # noqa: S608
                        item = {k: ({"b64": base64.b64encode(v).decode()} if isinstance(v, bytes) else v)
                                for k, v in zip(row.keys(), row, strict=True)}
                        out.write(json.dumps({"table": table, "row": item}) + "\n")
