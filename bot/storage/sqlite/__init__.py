"""SQLite, the embedded default: one process, one file (WAL, foreign keys, secure_delete)."""

from bot.storage.sqlite.database import SqliteDatabase

__all__ = ["SqliteDatabase"]
