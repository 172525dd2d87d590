"""Test builders: a Chat that talks to the real engine the way a person would."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from bot.core.engine import Engine
from bot.core.messages import Address, Choice, Incoming, Reply

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
TEST_KEY = "test-key-Qm7xV2pLr9sT4wZ8nB3cK6dF1gH5jY0a"


class Chat:
    """One person talking to the engine; remembers the choices of the last reply that had any."""

    def __init__(self, engine: Engine, name: str = "ana", channel: str = "console") -> None:
        self.engine = engine
        self.address = Address(channel, name)
        self.replies: list[Reply] = []
        self.choices: tuple[Choice, ...] = ()

    async def _do(self, incoming: Incoming) -> list[Reply]:
        self.replies = await self.engine.handle(incoming)
        for reply in self.replies:
            if reply.choices:
                self.choices = reply.choices
        return self.replies

    async def send(self, text: str) -> list[Reply]:
        return await self._do(Incoming.from_text(self.address, text))

    async def press(self, label: str) -> list[Reply]:
        """Press the choice whose label contains `label` (case-insensitive)."""
        matches = sorted((c for c in self.choices if label.lower() in c.label.lower()), key=lambda c: len(c.label))
        assert matches, f"no choice like {label!r} in {[c.label for c in self.choices]}"
        return await self._do(Incoming.pressed(self.address, matches[0].key))

    async def press_key(self, key: str) -> list[Reply]:
        return await self._do(Incoming.pressed(self.address, key))

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.replies)

    async def open_exercise(self, stage: str, title: str) -> None:
        """Open an exercise by its stage and title through /reflect."""
        await self.send("/reflect")
        await self.press("Choose a stage")
        await self.press(stage)
        await self.press(title)

    async def consent(self, keep_notes: bool = False, language: str = "English") -> None:
        await self.send("/start")
        await self.press(language)
        await self.press("agree")
        await self.press("Keep my notes" if keep_notes else "No notes")


# DATABASE_PATH → the PostgreSQL URL a test runs on instead (set by the settings fixture), so the same
# outsider's look at the database works on both engines.
POSTGRES_URLS: dict[Path, str] = {}


def stored_bytes(db_path: Path) -> bytes:
    """Everything SQLite keeps on disk for a database: the main file, its WAL and its SHM.

    A new row sits in the WAL until a checkpoint, so a "no plaintext" check that reads only the main file
    could not fail; every such check reads all three.
    """
    parts = (db_path, db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm"))
    return b"".join(part.read_bytes() for part in parts if part.exists())


def rows(db_path: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    """Read the database directly, as an outsider with the file (or the server) would."""
    if db_path in POSTGRES_URLS:
        import psycopg

        from bot.storage.postgres.database import to_psycopg

        # The one SQLite date function tests use to show times readably.
        sql = re.sub(r"datetime\((\w+), 'unixepoch'\)",
                     r"to_char(to_timestamp(\1) AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')", sql)
        with psycopg.connect(POSTGRES_URLS[db_path], autocommit=True) as pg:
            cursor = pg.execute(to_psycopg(sql) if params else sql, params or None)
            found = cursor.fetchall() if cursor.description is not None else []
            return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in found]
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


# Bookkeeping that names no one: the key check value, and keyed hashes of WhatsApp message ids (replay guard).
BOOKKEEPING = frozenset({"key_check", "whatsapp_seen"})


def table_names(db_path: Path) -> list[str]:
    """Every table of the schema (not the engine's own bookkeeping), on either engine."""
    if db_path in POSTGRES_URLS:
        return [str(r[0]) for r in rows(db_path, "SELECT table_name FROM information_schema.tables WHERE"
                                                 " table_schema = 'public' AND table_name <> 'schema_version'")]
    return [str(r[0]) for r in rows(db_path, "SELECT name FROM sqlite_master WHERE type='table'")
            if not str(r[0]).startswith("sqlite_")]


def references_to(db_path: Path, table: str) -> list[tuple[str, str]]:
    """(table, column) of every foreign key that points at `table`, read from the engine's catalogue."""
    if db_path in POSTGRES_URLS:
        found = rows(db_path, "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c"
                              " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)"
                              " WHERE c.contype = 'f' AND c.confrelid = ?::regclass", table)
        return [(str(t), str(c)) for t, c in found]
    return [(other, str(fk[3])) for other in table_names(db_path)
            for fk in rows(db_path, f"PRAGMA foreign_key_list({other})") if fk[2] == table]


def person_rows(db_path: Path) -> int:
    """Rows in every table except bookkeeping ones: what the database holds about people."""
    return sum(int(str(rows(db_path, f"SELECT COUNT(*) FROM {t}")[0][0]))
               for t in table_names(db_path) if t not in BOOKKEEPING)
