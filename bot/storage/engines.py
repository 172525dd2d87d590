"""Pick the engine from DATABASE_URL: `sqlite:///path` (the embedded default) or `postgresql://…`."""

from __future__ import annotations

from pathlib import Path

from bot.storage.db import Database, StorageError

SQLITE = "sqlite:///"
POSTGRES = ("postgresql://", "postgres://")


def sqlite_url(path: Path) -> str:
    return SQLITE + str(path)


def database_for(url: str | Path) -> Database:
    """A not yet connected Database for this URL (a bare path means a SQLite file)."""
    if isinstance(url, Path):
        url = sqlite_url(url)
    if url.startswith(SQLITE):
        from bot.storage.sqlite import SqliteDatabase

        return SqliteDatabase(Path(url[len(SQLITE):]))
    if url.startswith(POSTGRES):
        from bot.storage.postgres import PostgresDatabase

        return PostgresDatabase(url)
    raise StorageError("DATABASE_URL: expected sqlite:///PATH or postgresql://…")
