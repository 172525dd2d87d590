"""Start-up time, core throughput and memory with 10,000 people in the database."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import KEY, ROOT, bench_settings, rss_mb, stopwatch
from bot.app import build_services
from bot.core.messages import Address, Incoming

PEOPLE = 10_000


async def _populate(folder: Path) -> None:
    services = await build_services(bench_settings(folder))
    now = services.clock.now()
    for n in range(PEOPLE):
        contact = await services.store.contacts.create(Address("telegram", str(10_000_000 + n)), "en", "UTC", now)
        await services.store.checkins.add(contact.id, 1 + n % 5, now)
    await services.close()


def _startup_seconds(folder: Path) -> float:
    """A fresh process: interpreter, imports, content, migrations, one answer, exit."""
    env = {**os.environ, "DATABASE_PATH": str(folder / "bench.db"), "DATA_KEY": KEY,
           "CONTENT_DIR": str(ROOT / "content")}
    with stopwatch() as elapsed:
        subprocess.run([sys.executable, "-m", "bot", "console"], input="/help\n", text=True, env=env, cwd=ROOT,
                       capture_output=True, check=True, timeout=120)
    return elapsed[0]


async def _measure(folder: Path) -> dict[str, float]:
    services = await build_services(bench_settings(folder))
    engine = services.engine
    updates = 0
    with stopwatch() as elapsed:
        for n in range(2_000):
            address = Address("telegram", str(10_000_000 + n))
            await engine.handle(Incoming.from_text(address, "/checkin"))
            await engine.handle(Incoming.pressed(address, "checkin:mood:4"))
            updates += 2
    await services.close()
    return {"startup_s": round(_startup_seconds(folder), 3), "core_updates_per_s": round(updates / elapsed[0], 1),
            "rss_mb_10k": round(rss_mb(), 1)}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(_populate(Path(folder)))
        figures = asyncio.run(_measure(Path(folder)))
    json.dump(figures, sys.stdout)


if __name__ == "__main__":
    main()
