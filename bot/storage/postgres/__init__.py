"""PostgreSQL, for several bot processes sharing one database (SKIP LOCKED claims, cross-process person locks)."""

from bot.storage.postgres.database import PostgresDatabase

__all__ = ["PostgresDatabase"]
