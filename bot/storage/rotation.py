"""Re-encrypt every protected field under a new DATA_KEY, in one transaction, safe to kill at any point.

Encrypted fields are found generically (every BLOB that opens with the old key), so tables added later are
covered. Look-up hashes of addresses are recomputed. Hashes of one-time codes cannot be, so such codes stop
working and must be issued again.

With the key in `secret.key`, the new key is written durably to `secret.key.new` before the data moves, the
key check value moves in the same transaction as the data, and the new file replaces the old one atomically
only after the commit. Killed anywhere, one of the two files opens the data, and running the command again
finishes the job (it reuses `secret.key.new`; no key file is ever truncated or overwritten in place).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot.storage.crypto import DecryptError, Vault
from bot.storage.db import Database
from bot.storage.keycheck import WrongKey, database_name, key_opens, wrong_key_message

# Called with the name of each point a rotation passes; tests raise there to play a crash.
Checkpoint = Callable[[str], None]


def _carry_on(point: str) -> None:
    """Production: no crash is played."""


@dataclass
class RotationReport:
    fields: int = 0
    lookups: int = 0
    left: int = 0  # BLOBs that were not encrypted with the old key (e.g. hashes)
    resumed: bool = False  # an interrupted rotation was finished


async def rotate_key(db: Database, old: Vault, new: Vault, point: Checkpoint = _carry_on) -> RotationReport:
    report = RotationReport()
    columns = [(table, column) for table in await db.tables() for column in await db.blob_columns(table)
               if (table, column) != ("contacts", "lookup")]
    if db.engine == "sqlite":
        await db.execute("PRAGMA synchronous = FULL")  # the commit is on disk before any key file moves
    async with db.tx() as conn:
        for table, column in columns:
            rows = await conn.fetchall(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
            for (value,) in ((row[0],) for row in rows):
                try:
                    plain = old.decrypt(bytes(value))
                except DecryptError:
                    report.left += 1
                    continue
                # Each ciphertext has its own random nonce, so the old value names its row on every engine.
                await conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?",  # noqa: S608
                                   (new.encrypt(plain), value))
                report.fields += 1
        point("re-encrypted")
        contacts = await conn.fetchall("SELECT id, channel, address, lookup FROM contacts")
        for contact_id, channel, address, was in ((row[0], row[1], row[2], row[3]) for row in contacts):
            lookup = new.lookup(f"{channel}:{new.decrypt(bytes(address))}")
            await conn.execute("UPDATE contacts SET lookup = ? WHERE id = ?", (lookup, contact_id))
            # a /report block names the other person by this hash (one whose person has forgotten cannot follow)
            await conn.execute("UPDATE support_shields SET other = ? WHERE other = ?", (lookup, was))
            report.lookups += 1
        await conn.execute("INSERT INTO key_check (id, value) VALUES (1, ?)"
                           " ON CONFLICT (id) DO UPDATE SET value = excluded.value", (new.check_value,))
    if db.engine == "sqlite":
        await db.execute("PRAGMA synchronous = NORMAL")
    point("committed")
    await db.checkpoint(tuple(dict.fromkeys(table for table, _ in columns)))
    point("checkpointed")
    return report


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_key_durably(path: Path, secret: str) -> None:
    """Write a new key file whole or not at all: a temporary file, fsync, rename, fsync the folder."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)  # a leftover from a crash: never a key the data was written under
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secret + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
    _sync_folder(path.parent)


def pending_key_file(key_file: Path) -> Path:
    return key_file.with_name(key_file.name + ".new")


async def rotate_key_file(db: Database, key_file: Path, old_secret: str,
                          point: Checkpoint = _carry_on) -> RotationReport:
    """Rotate to a generated key kept in `key_file`; safe to kill anywhere, and to run again after."""
    pending = pending_key_file(key_file)
    old = Vault(old_secret)
    if pending.exists():
        new_secret = pending.read_text(encoding="utf-8").strip()
        if await key_opens(db, Vault(new_secret)):
            # The data moved under the new key before the last run stopped: only the swap is left.
            pending.replace(key_file)
            _sync_folder(key_file.parent)
            return RotationReport(resumed=True)
        if await key_opens(db, old) is False:
            raise WrongKey(wrong_key_message(database_name(db)))
        # The last run stopped before its commit: go on with the key it already wrote down.
    else:
        if await key_opens(db, old) is False:
            raise WrongKey(wrong_key_message(database_name(db)))
        new_secret = secrets.token_urlsafe(48)
        write_key_durably(pending, new_secret)
    point("new key written")
    report = await rotate_key(db, old, Vault(new_secret), point)
    pending.replace(key_file)
    _sync_folder(key_file.parent)
    point("swapped")
    return report
