"""Who holds the database: every running bot shares a lock file beside it; `db rotate-key` and `db restore`
need it alone, so they refuse while a bot runs (and a bot refuses to start while they work)."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from bot.errors import CompanionError


class DatabaseBusy(CompanionError):
    """Another process holds the database in a way that excludes this one."""


class DatabaseLock:
    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".lock")
        self._fd: int | None = None

    def acquire(self, *, exclusive: bool) -> None:
        """Take the lock at once or raise DatabaseBusy; shared for bots, exclusive for maintenance."""
        if self._fd is not None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            if exclusive:
                raise DatabaseBusy(f"a bot is running on {self.path.stem}: stop it first") from None
            raise DatabaseBusy(f"{self.path.stem} is being re-keyed or restored: start the bot when that is done") \
                from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the flock
            self._fd = None
