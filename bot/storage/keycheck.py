"""The key check value: a wrong DATA_KEY is refused at start-up with one clear line, never used quietly."""

from __future__ import annotations

import hmac
from pathlib import Path

from bot.errors import ConfigError
from bot.storage.crypto import DecryptError, Vault
from bot.storage.db import Database


class WrongKey(ConfigError):
    """DATA_KEY (or secret.key) is not the key this database was written under."""


def wrong_key_message(name: str) -> str:
    return (f"DATA_KEY: this key did not write {name} (another DATA_KEY or secret.key wrote it); start with the "
            "key it was made with, or, if `db rotate-key` was interrupted, run it again to finish")


async def stored_check(db: Database) -> bytes | None:
    row = await db.fetchone("SELECT value FROM key_check WHERE id = 1")
    return bytes(row[0]) if row is not None else None


async def key_opens(db: Database, vault: Vault) -> bool | None:
    """True or False when the database says whether this key wrote it; None when it holds nothing to tell."""
    stored = await stored_check(db)
    if stored is not None:
        return hmac.compare_digest(stored, vault.check_value)
    sample = await db.fetchone("SELECT address FROM contacts ORDER BY id LIMIT 1")
    if sample is None:
        return None
    try:
        vault.decrypt(bytes(sample[0]))
    except DecryptError:
        return False
    return True


def database_name(db: Database) -> str:
    """What to call the database in a message: a SQLite file has a name; a PostgreSQL database is "the database"."""
    path = getattr(db, "path", None)
    return path.name if isinstance(path, Path) else "the database"


async def verify_key(db: Database, vault: Vault) -> None:
    """Refuse a key that did not write this database; record the check value on first use."""
    opens = await key_opens(db, vault)
    if opens is False:
        raise WrongKey(wrong_key_message(database_name(db)))
    if await stored_check(db) is None:
        await db.execute("INSERT INTO key_check (id, value) VALUES (1, ?) ON CONFLICT (id) DO NOTHING",
                         (vault.check_value,))
