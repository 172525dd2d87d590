"""`db restore`: a backup goes back only when it is whole and was written under the key in use."""

from __future__ import annotations

import hmac
from pathlib import Path

from bot.errors import CompanionError
from bot.storage.crypto import DecryptError, Vault
from bot.storage.db import StorageError
from bot.storage.sqlite.database import SqliteDatabase, backup_key_check, check_backup, install_backup


async def restore_backup(source: Path, target: Path, secret: str) -> int:
    """Put `source` in place of `target` after its checks; return how many people it holds."""
    _check_source(source, target)
    stored, sample, people = backup_key_check(source)
    if not _same_key(Vault(secret), stored, sample):
        raise CompanionError(f"db restore: {source.name} was made under another DATA_KEY; nothing was changed. "
                             "Restore it with the key it was made with (DATA_KEY or secret.key)")
    install_backup(source, target)
    db = SqliteDatabase(target)
    await db.connect()
    try:
        await db.migrate()
    finally:
        await db.close()
    return people


async def restore_postgres_backup(source: Path, url: str, secret: str) -> int:
    """Put a `db backup` file (pg_dump archive or logical copy) in place of the PostgreSQL database at `url`
    after the same checks; return how many people it holds."""
    from bot.storage.postgres import PostgresDatabase
    from bot.storage.postgres.restore import read_backup, restore

    try:
        backup = await read_backup(source)
    except StorageError as exc:
        raise CompanionError(f"db restore: {exc}; nothing was changed") from exc
    if not _same_key(Vault(secret), backup.key_check, backup.sample):
        raise CompanionError(f"db restore: {source.name} was made under another DATA_KEY; nothing was changed. "
                             "Restore it with the key it was made with (DATA_KEY or secret.key)")
    db = PostgresDatabase(url)
    await db.connect()
    try:
        try:
            await restore(db, backup)
        except StorageError as exc:
            raise CompanionError(f"db restore: {exc}; nothing was changed") from exc
        await db.migrate()  # the migrations that came after the backup was made
    finally:
        await db.close()
    return backup.people


def _check_source(source: Path, target: Path) -> None:
    if not source.is_file():
        raise CompanionError(f"db restore: {source.name} is not a file")
    if target.exists() and source.resolve() == target.resolve():
        raise CompanionError("db restore: FILE is the live database itself; name a backup")
    check_backup(source)


def _same_key(vault: Vault, stored: bytes | None, sample: bytes | None) -> bool:
    """The key check value decides; a backup from before it is judged by one encrypted address."""
    if stored is not None:
        return hmac.compare_digest(stored, vault.check_value)
    if sample is None:
        return True
    try:
        vault.decrypt(sample)
    except DecryptError:
        return False
    return True
