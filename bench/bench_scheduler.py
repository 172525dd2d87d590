"""The reminder tick with 100,000 people: a minute when a popular slot falls due, and an idle minute."""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import KEY, stopwatch
from bot.core.proactive.reminders import reminder_tick
from bot.storage.store import Store

PEOPLE = 100_000
SLOTS = 48  # reminder times on the hour and half-hour, spread evenly
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def _populate(store: Store) -> None:
    """Insert people and their reminder settings in bulk (the bench measures the tick, not sign-up)."""
    vault = store.vault
    contacts = [(n, vault.lookup(f"telegram:{n}"), "telegram", vault.encrypt(str(n)), "en", "UTC",
                 int(NOW.timestamp()), int(NOW.timestamp())) for n in range(1, PEOPLE + 1)]
    reminders = []
    for n in range(1, PEOPLE + 1):
        minute = (n % SLOTS) * 30
        moment = NOW.replace(hour=0, minute=0) + timedelta(minutes=minute)
        if moment < NOW:
            moment += timedelta(days=1)
        reminders.append((n, minute, int(moment.timestamp()), int(NOW.timestamp())))
    async with store.db.tx() as conn:
        await conn.executemany(
            "INSERT INTO contacts (id, lookup, channel, address, language, timezone, consented_at, last_seen_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", contacts)
        await conn.executemany(
            "INSERT INTO reminder_settings (contact_id, enabled, at_minute, next_at, updated_at)"
            " VALUES (?, 1, ?, ?, ?)", reminders)


async def _measure(folder: Path) -> dict[str, float]:
    store = await Store.open(folder / "bench.db", KEY)
    await _populate(store)
    with stopwatch() as busy:
        added = await reminder_tick(store, NOW)
    with stopwatch() as idle:
        await reminder_tick(store, NOW + timedelta(minutes=1))
    await store.close()
    return {"reminder_tick_ms_100k": round(busy[0] * 1000, 1), "reminder_tick_rows": added,
            "reminder_tick_idle_ms_100k": round(idle[0] * 1000, 2)}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        figures = asyncio.run(_measure(Path(folder)))
    json.dump(figures, sys.stdout)


if __name__ == "__main__":
    main()
