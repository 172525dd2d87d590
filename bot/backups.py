"""Daily online backups into BACKUP_DIR, keeping the newest BACKUP_KEEP.

A backup holds only what the live database holds (identifiers and notes stay encrypted under DATA_KEY), so it
is as safe as the database and useless without the key: keep the key somewhere else than the backups.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)

PREFIX = "companion-"
SUFFIX = ".db"
STAMP = "%Y%m%dT%H%M%SZ"
EVERY = timedelta(days=1)


class Backs(Protocol):
    """What a database offers for backups: a consistent copy while it runs."""

    async def backup(self, target: Path) -> None: ...


@dataclass(frozen=True, slots=True)
class BackupPolicy:
    folder: Path
    keep: int


def backups_in(folder: Path) -> list[Path]:
    """Our backup files in the folder, oldest first (names sort by time)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.name.startswith(PREFIX) and p.name.endswith(SUFFIX))


def last_backup_time(folder: Path) -> datetime | None:
    for path in reversed(backups_in(folder)):
        try:
            return datetime.strptime(path.name[len(PREFIX):-len(SUFFIX)], STAMP).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def is_due(policy: BackupPolicy, now: datetime) -> bool:
    last = last_backup_time(policy.folder)
    return last is None or now - last >= EVERY


async def back_up(db: Backs, policy: BackupPolicy, now: datetime) -> Path:
    """Write one backup (mode 0600, folder 0700) and prune the oldest beyond `keep`; return its path."""
    policy.folder.mkdir(parents=True, exist_ok=True)
    policy.folder.chmod(0o700)
    target = policy.folder / f"{PREFIX}{now.strftime(STAMP)}{SUFFIX}"
    old_mask = os.umask(0o077)
    try:
        await db.backup(target)
    finally:
        os.umask(old_mask)
    target.chmod(0o600)
    for stale in backups_in(policy.folder)[:-policy.keep]:
        stale.unlink(missing_ok=True)
    log.info("backup written (%s kept)", min(len(backups_in(policy.folder)), policy.keep))
    return target
