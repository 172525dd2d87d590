"""The small async connection interface every repository runs on; `sqlite/` and `postgres/` implement it.

Repositories write one dialect: `?` placeholders, `INSERT … ON CONFLICT`, `RETURNING id`, times as unix seconds
computed in Python, no `rowid`, no catalogue look-ups. What differs between engines (pragmas, WAL checkpoints,
VACUUM, backup, row locks, finding the tables that refer to a person) is a method here, done by each engine.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any, Protocol

from bot.errors import CompanionError

BUSY_TIMEOUT_MS = 5000
# A checkpoint after /forget waits for readers: each try waits briefly, and tries back off (about 10 s in all).
CHECKPOINT_BUSY_MS = 200
CHECKPOINT_ATTEMPTS = 12
CHECKPOINT_FIRST_PAUSE = 0.05
CHECKPOINT_MAX_PAUSE = 1.0


class StorageError(CompanionError):
    """The database cannot be opened, migrated or backed up."""


class IntegrityError(StorageError):
    """A statement broke a constraint (a unique code drawn twice, a missing row referred to)."""


class Row(Protocol):
    """A result row: by position (`row[0]`) or by column name (`row["id"]`)."""

    def __getitem__(self, key: Any, /) -> Any: ...

    def keys(self) -> list[str]: ...


class Result:
    """What one statement gave: its rows (already fetched) and how many rows it changed."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self.rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> Any:
        return self.rows[0] if self.rows else None

    async def fetchall(self) -> list[Any]:
        return self.rows

    async def close(self) -> None:
        """Nothing to release: rows are fetched at once (kept so code written for a cursor reads the same)."""


class Statement:
    """`conn.execute(...)` inside a transaction: await it, or use it with `async with … as cursor`."""

    __slots__ = ("_run",)

    def __init__(self, run: Callable[[], Awaitable[Result]]) -> None:
        self._run = run

    def __await__(self) -> Generator[Any, None, Result]:
        return self._run().__await__()

    async def __aenter__(self) -> Result:
        return await self._run()

    async def __aexit__(self, *exc: object) -> None:
        return None


class Connection(Protocol):
    """The connection a transaction hands out: every statement in the block runs in that one transaction."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Statement: ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int: ...

    async def lock_person(self, contact_id: int) -> None:
        """Hold this person's lock until the transaction ends (across processes on PostgreSQL)."""


class Database(Protocol):
    """One engine: SQLite (one process) or PostgreSQL (several processes, one database)."""

    engine: str  # "sqlite" or "postgresql"
    skip_locked: str  # appended to a claiming SELECT: " FOR UPDATE SKIP LOCKED" where the engine has it
    shared: bool  # several processes may use this database at once

    def person_lock(self, key: int) -> AbstractAsyncContextManager[None]:
        """Hold one person's lock across every process for the block (a no-op where one process owns the data)."""
        ...

    def exclusive(self, name: str) -> AbstractAsyncContextManager[bool]:
        """True in the block when this process is the only one running `name` now, False when another is."""
        ...

    async def connect(self) -> None: ...

    async def close(self) -> None: ...

    def tx(self) -> AbstractAsyncContextManager[Connection]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    async def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one write statement; return the number of rows it changed."""
        ...

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> int: ...

    async def insert(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run one INSERT (`RETURNING id` is added when missing); return the new row id."""
        ...

    async def checkpoint(self, tables: Sequence[str] = ()) -> bool:
        """After deleting someone: leave no copy of the deleted rows behind (WAL truncate; VACUUM); False when
        that could not be done now (the operator is told in the log)."""
        ...

    async def size_bytes(self) -> int:
        """The database's size on disk (for metrics)."""
        ...

    async def version(self) -> int: ...

    async def migrate(self) -> list[int]: ...

    async def backup(self, target: Path) -> None: ...

    async def tables(self) -> list[str]: ...

    async def blob_columns(self, table: str) -> list[str]:
        """The columns that hold bytes (encrypted fields and keyed hashes)."""
        ...

    async def references(self, table: str) -> list[tuple[str, str]]:
        """(table, column) of every foreign key that points at `table`."""
        ...


def with_returning_id(sql: str) -> str:
    return sql if "RETURNING" in sql.upper() else sql.rstrip().rstrip(";") + " RETURNING id"


def migration_files(package: str) -> list[tuple[int, str]]:
    """(number, SQL) of every `NNNN_name.sql` in a package's `migrations` folder, in order."""
    from importlib import resources

    folder = resources.files(package).joinpath("migrations")
    scripts = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            scripts.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(scripts)


def migration_scripts() -> list[tuple[int, str]]:
    """The SQLite migrations (bot/storage/migrations), where every branch adds its numbered file."""
    return migration_files("bot.storage")
