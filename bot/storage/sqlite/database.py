"""One aiosqlite connection with the pragmas we rely on, migrations by user_version, and online backup."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.storage.db import IntegrityError, Result, Statement, StorageError, migration_scripts, with_returning_id

log = logging.getLogger(__name__)

T = TypeVar("T")
BUSY_TIMEOUT_MS = 5000
CHECKPOINT_BUSY_MS = 200
CHECKPOINT_ATTEMPTS = 12
CHECKPOINT_FIRST_PAUSE = 0.05
CHECKPOINT_MAX_PAUSE = 1.0


def private_file(path: Path) -> None:
    """Create `path` (and tighten it and its -wal/-shm) to 0600: SQLite gives its WAL and SHM the main file's mode."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        for companion in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if companion.exists() and companion.stat().st_mode & 0o077:
                companion.chmod(0o600)
    except OSError as exc:
        raise StorageError(f"DATABASE_PATH: cannot create {path.name}: {exc}") from exc


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
        self.checkpoint_attempts = CHECKPOINT_ATTEMPTS

    async def connect(self) -> None:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            private_file(self.path)
        try:
            self._conn = await aiosqlite.connect(self.path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StorageError(f"DATABASE_PATH: cannot open {self.path.name}: {exc}") from exc
        self._conn.row_factory = aiosqlite.Row
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "secure_delete=ON", f"busy_timeout={BUSY_TIMEOUT_MS}",
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

    async def checkpoint(self, tables: Sequence[str] = ()) -> bool:
        """Fold the WAL into the main file and truncate it, so deleted pages leave no copy behind.

        Another reader (a backup, an operator's sqlite3) makes the checkpoint answer BUSY and leave the WAL
        as it was: retry, bounded, and tell the operator (no identifiers) when it never truncated.
        """
        pause = CHECKPOINT_FIRST_PAUSE
        for _ in range(self.checkpoint_attempts):
            async with self._lock:
                await self.conn.execute(f"PRAGMA busy_timeout = {CHECKPOINT_BUSY_MS}")
                try:
                    async with self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                        row = await cursor.fetchone()
                finally:
                    await self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            if row is None or int(row[0]) == 0:
                return True
            await asyncio.sleep(pause)
            pause = min(pause * 2, CHECKPOINT_MAX_PAUSE)
        log.warning("the WAL could not be checkpointed after a deletion: another connection holds the database "
                    "open; deleted data may stay in the WAL until the next checkpoint")
        return False

    async def size_bytes(self) -> int:
        """The database's size on disk, its WAL included."""
        if str(self.path) == ":memory:":
            return 0
        files = (self.path, self.path.with_name(self.path.name + "-wal"))
        return sum(f.stat().st_size for f in files if f.exists())

    async def version(self) -> int:
        async with self.conn.execute("PRAGMA user_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self) -> list[int]:
        """Apply every migration newer than PRAGMA user_version; return the numbers applied.

        Foreign keys are off while a migration runs, so a table can be rebuilt (SQLite's way to change a column
        or add AUTOINCREMENT) without its DROP cascading into every table that refers to it; they are checked
        before each migration commits, and turned on again afterwards.
        """
        applied: list[int] = []
        current = await self.version()
        pending = [(number, sql) for number, sql in migration_scripts() if number > current]
        if not pending:
            return applied
        async with self._lock:
            await self.conn.execute("PRAGMA foreign_keys=OFF")
            try:
                for number, sql in pending:
                    try:
                        await self.conn.executescript(f"BEGIN;\n{sql}\n")
                        async with self.conn.execute("PRAGMA foreign_key_check") as cursor:
                            broken = await cursor.fetchone()
                        if broken is not None:
                            raise sqlite3.IntegrityError(f"a row of {broken[0]} breaks a foreign key")
                        await self.conn.execute(f"PRAGMA user_version = {number}")
                        await self.conn.execute("COMMIT")
                    except sqlite3.Error as exc:
                        await self.conn.execute("ROLLBACK") if self.conn.in_transaction else None
                        raise StorageError(f"migration {number:04d} failed: {exc}") from exc
                    applied.append(number)
                    log.info("applied migration %04d", number)
            finally:
                await self.conn.execute("PRAGMA foreign_keys=ON")
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
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
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


def _read_only(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)


def check_backup(source: Path) -> None:
    """Raise StorageError unless `source` is an SQLite database that passes its integrity check."""
    try:
        with contextlib.closing(_read_only(source)) as conn:
            found = [str(row[0]) for row in conn.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.Error as exc:
        raise StorageError(f"{source.name} is not a readable database: {exc}") from exc
    if found != ["ok"]:
        raise StorageError(f"{source.name} is damaged: {found[0] if found else 'no answer'}")


# Counters moved this far past the backup's when the live database's own cannot be read (a damaged file).
UNKNOWN_IDS_MARGIN = 1_000_000


def id_counters(path: Path) -> dict[str, int] | None:
    """The live database's AUTOINCREMENT counters (the highest id each table has handed out); {} when there is no
    database yet, None when it cannot be read."""
    if not path.exists():
        return {}
    try:
        with contextlib.closing(_read_only(path)) as conn:
            return {str(name): int(seq) for name, seq in conn.execute("SELECT name, seq FROM sqlite_sequence")}
    except (sqlite3.Error, TypeError, ValueError):
        return None


def _keep_counting(conn: sqlite3.Connection, handed_out: dict[str, int] | None) -> None:
    """Ids the live database handed out after the backup was made (in old buttons, outbox keys, support links)
    must never belong to someone else: the restored counters go on from the higher of the two."""
    restored = {str(name): int(seq) for name, seq in conn.execute("SELECT name, seq FROM sqlite_sequence")}
    if handed_out is None:
        handed_out = {name: seq + UNKNOWN_IDS_MARGIN for name, seq in restored.items()}
    for name, seq in handed_out.items():
        if name not in restored:
            conn.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, seq))
        elif seq > restored[name]:
            conn.execute("UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (seq, name))
    conn.commit()


def install_backup(source: Path, target: Path) -> None:
    """Copy `source` in place of `target` (0600), whole or not at all; the old WAL and SHM go first,
    so SQLite can never replay the damaged database's log onto the restored file. Ids keep counting past every
    id the live database handed out."""
    handed_out = id_counters(target)
    tmp = target.with_name(target.name + ".restoring")
    try:
        tmp.unlink(missing_ok=True)
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        with contextlib.closing(_read_only(source)) as src, contextlib.closing(sqlite3.connect(tmp)) as dest:
            src.backup(dest)
            _keep_counting(dest, handed_out)
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        for companion in ("-wal", "-shm", "-journal"):
            target.with_name(target.name + companion).unlink(missing_ok=True)
        tmp.replace(target)
        folder = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    except (sqlite3.Error, OSError) as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise StorageError(f"restore of {source.name} failed: {exc}") from exc


def backup_key_check(source: Path) -> tuple[bytes | None, bytes | None, int]:
    """(key check value, one encrypted address, number of people) read from a backup, without changing it."""
    with contextlib.closing(_read_only(source)) as conn:
        try:
            row = conn.execute("SELECT value FROM key_check WHERE id = 1").fetchone()
        except sqlite3.OperationalError:  # a backup from before key check values
            row = None
        sample = conn.execute("SELECT address FROM contacts ORDER BY id LIMIT 1").fetchone()
        people = conn.execute("SELECT COUNT(*) FROM contacts").fetchone()
    return (bytes(row[0]) if row else None, bytes(sample[0]) if sample else None, int(people[0]) if people else 0)
