"""One aiosqlite connection with the pragmas we rely on, migrations by user_version, and online backup."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.storage.db import IntegrityError, Result, Statement, StorageError, migration_scripts, with_returning_id

log = logging.getLogger(__name__)

T = TypeVar("T")


def _run(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> Result:
    """Execute and fetch in the connection's thread, so a statement costs one thread hop."""
    try:
        cursor = conn.execute(sql, params)
        try:
            rows = cursor.fetchall()
            return Result(rows, cursor.rowcount)
        finally:
            cursor.close()
    except sqlite3.IntegrityError as exc:
        raise IntegrityError(str(exc)) from exc


def _run_many(conn: sqlite3.Connection, sql: str, rows: Iterable[Sequence[Any]]) -> int:
    before = conn.total_changes
    try:
        conn.executemany(sql, rows).close()
    except sqlite3.IntegrityError as exc:
        raise IntegrityError(str(exc)) from exc
    return conn.total_changes - before


class _Conn:
    """The connection inside `tx()`: statements run on the one connection, within the open transaction."""

    def __init__(self, db: SqliteDatabase) -> None:
        self._db = db

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Statement:
        return Statement(lambda: self._db.call(_run, sql, params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        return await self._db.call(_run_many, sql, list(rows))

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return next(iter((await self._db.call(_run, sql, params)).rows), None)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return (await self._db.call(_run, sql, params)).rows

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        rows = (await self._db.call(_run, with_returning_id(sql), params)).rows
        if not rows:
            raise StorageError("insert returned no row id")
        return int(rows[0][0])

    async def lock_person(self, contact_id: int) -> None:
        """Nothing to do: `BEGIN IMMEDIATE` already holds the only writer's lock."""


class SqliteDatabase:
    """The single connection; `tx()` serialises statements so coroutines never share a transaction."""

    engine = "sqlite"
    skip_locked = ""  # one process, one writer: a claim is already exclusive
    shared = False  # one process: the engine's in-process lock per person and the scheduler's own are enough

    @asynccontextmanager
    async def person_lock(self, key: int) -> AsyncIterator[None]:
        yield None

    @asynccontextmanager
    async def exclusive(self, name: str) -> AsyncIterator[bool]:
        yield True

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()

    async def connect(self) -> None:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"DATABASE_PATH: cannot open {self.path.name}: {exc}") from exc
        self._conn.row_factory = aiosqlite.Row
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "secure_delete=ON", "busy_timeout=5000",
                       "synchronous=NORMAL"):
            await self._conn.execute(f"PRAGMA {pragma}")

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise StorageError("database is not connected")
        return self._conn

    async def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run fn(sqlite3 connection, *args) in aiosqlite's thread (its one-hop helper, as execute_fetchall uses)."""
        conn = self.conn
        return await conn._execute(fn, conn._conn, *args)  # type: ignore[no-untyped-call,no-any-return]

    @asynccontextmanager
    async def tx(self) -> AsyncIterator[_Conn]:
        """Run the block in one transaction, committed on success and rolled back on error."""
        async with self._lock:
            conn = self.conn
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield _Conn(self)
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            else:
                await conn.execute("COMMIT")

    # Single statements need no explicit transaction: each is atomic on its own, and one thread hop is
    # much cheaper than BEGIN / statement / fetch / COMMIT. The lock keeps them out of a running tx().

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any:
        async with self._lock:
            rows = await self.conn.execute_fetchall(sql, params)
        return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        async with self._lock:
            return list(await self.conn.execute_fetchall(sql, params))

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement; return the number of rows it changed."""
        async with self._lock:
            return (await self.call(_run, sql, params)).rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int:
        async with self.tx() as conn:
            return await conn.executemany(sql, rows)

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one INSERT; return the new row id."""
        async with self._lock:
            rows = (await self.call(_run, with_returning_id(sql), params)).rows
        if not rows:
            raise StorageError("insert returned no row id")
        return int(rows[0][0])

    async def checkpoint(self, tables: Sequence[str] = ()) -> None:
        """Fold the WAL into the main file and truncate it, so deleted pages leave no copy behind."""
        async with self._lock:
            await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> list[int]:
        """Apply every migration newer than PRAGMA user_version; return the numbers applied."""
        applied = []
        current = await self.version()
        for number, sql in migration_scripts():
            if number <= current:
                continue
            async with self._lock:
                try:
                    await self.conn.executescript(f"BEGIN;\n{sql}\nPRAGMA user_version = {number};\nCOMMIT;")
                except sqlite3.Error as exc:
                    await self.conn.execute("ROLLBACK") if self.conn.in_transaction else None
                    raise StorageError(f"migration {number:04d} failed: {exc}") from exc
            applied.append(number)
            log.info("applied migration %04d", number)
        return applied

    async def tables(self) -> list[str]:
        rows = await self.fetchall("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                                   " ORDER BY name")
        return [row[0] for row in rows]

    async def blob_columns(self, table: str) -> list[str]:
        rows = await self.fetchall(f"PRAGMA table_info({table})")
        return [row["name"] for row in rows if str(row["type"]).upper() == "BLOB"]

    async def references(self, table: str) -> list[tuple[str, str]]:
        found = []
        for name in await self.tables():
            for row in await self.fetchall(f"PRAGMA foreign_key_list({name})"):
                if row["table"] == table:
                    found.append((name, row["from"]))
        return found

    async def backup(self, target: Path) -> None:
        """Copy the live database to target with SQLite's online backup (safe while running)."""
        tmp = target.with_name(target.name + ".partial")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp.unlink(missing_ok=True)
            async with self._lock:
                dest = await aiosqlite.connect(tmp)
                try:
                    await self.conn.backup(dest)
                finally:
                    await dest.close()
            tmp.replace(target)
        except (sqlite3.Error, OSError) as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            raise StorageError(f"backup to {target.name} failed: {exc}") from exc
