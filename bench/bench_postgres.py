"""The Telegram benchmark of bench_telegram (/checkin, a mood press and /menu from every person, through the real
TelegramChannel against the fake Bot API) with the database on PostgreSQL instead of SQLite: `pg_updates_per_s`.

The server is started for the run (Debian's PostgreSQL binaries, as the tests do) and removed after it.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from pathlib import Path

from bench.bench_telegram import ROUNDS, consent, one_round, real_bot
from bench.common import bench_settings
from bot.app import build_services
from tests.e2e.fake_telegram import FakeTelegram
from tests.postgres import PostgresServer


async def run(folder: Path, url: str) -> dict[str, float]:
    fake = FakeTelegram()
    await fake.start()
    settings = bench_settings(folder, telegram_bot_token=fake.token, telegram_base_url=fake.base_url,
                              database_url=url)
    services = await build_services(settings)
    key = services.store.vault.callback_key
    rounds: list[tuple[float, float]] = []
    try:
        await consent(services)
        for _ in range(ROUNDS):
            rounds.append(await one_round(fake, real_bot(services), key))
    finally:
        await services.close()
        await fake.stop()
    rate, calls = max(rounds[1:])
    return {"pg_updates_per_s": round(rate, 1), "pg_api_calls_per_update": round(calls, 2)}


def main() -> None:
    server = PostgresServer()
    server.start()
    try:
        server.make_template()
        url = server.fresh_database()
        with tempfile.TemporaryDirectory() as folder:
            figures = asyncio.run(run(Path(folder), url))
    finally:
        server.stop()
    json.dump(figures, sys.stdout)


if __name__ == "__main__":
    main()
