"""The bot processes sending on a shared database: each refreshes a heartbeat per channel it sends on, so every
process can count the live ones and take its share of the platform's budget (see bot/scheduling/share.py).

A process is a random id for one run; the table holds nothing about anyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.storage.contacts import to_ts
from bot.storage.db import Database


class Processes:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def beat(self, process: str, channels: Iterable[str], now: datetime) -> None:
        """This process is alive and sends on `channels`."""
        rows = [(process, channel, to_ts(now)) for channel in channels]
        if rows:
            async with self.db.tx() as conn:
                await conn.executemany("INSERT INTO bot_processes (process, channel, seen) VALUES (?, ?, ?)"
                                       " ON CONFLICT (process, channel) DO UPDATE SET seen = excluded.seen", rows)

    async def alive(self, since: datetime) -> dict[str, int]:
        """How many processes send on each channel, counting those whose heartbeat is `since` or later."""
        rows = await self.db.fetchall("SELECT channel, COUNT(*) FROM bot_processes WHERE seen >= ? GROUP BY channel",
                                      (to_ts(since),))
        return {str(row[0]): int(row[1]) for row in rows}

    async def prune(self, before: datetime) -> int:
        """Forget processes that stopped beating before `before` (they died without saying so)."""
        return await self.db.execute("DELETE FROM bot_processes WHERE seen < ?", (to_ts(before),))

    async def leave(self, process: str) -> int:
        """A process that stops cleanly: the others take its share at their next heartbeat."""
        return await self.db.execute("DELETE FROM bot_processes WHERE process = ?", (process,))
