"""Readiness: is this process able to do its work right now? (`/healthz` only says it is alive.)"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.storage.db import migration_scripts
from bot.storage.store import Store

log = logging.getLogger(__name__)


class Connects(Protocol):
    name: str

    @property
    def ready(self) -> bool: ...


class Runs(Protocol):
    @property
    def running(self) -> bool: ...


@dataclass
class Readiness:
    store: Store
    scheduling: Runs
    channels: Sequence[Connects]

    async def problems(self) -> list[str]:
        """Why the process is not ready, one short reason each; empty when it is."""
        problems = []
        try:
            version = await self.store.db.version()
        except Exception:
            log.warning("readiness: the database did not answer", exc_info=True)
            return ["database: not answering"]
        latest = max((number for number, _ in migration_scripts()), default=0)
        if version != latest:
            problems.append(f"database: schema version {version}, expected {latest}")
        if not self.scheduling.running:
            problems.append("scheduler: not running")
        problems += [f"{channel.name}: not connected" for channel in self.channels if not channel.ready]
        return problems
