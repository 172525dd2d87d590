"""/readyz: 200 only when the database, its migrations, the scheduler and every channel are ready."""

from __future__ import annotations

import httpx
import pytest

from bot.app import Services, build_scheduling, operator_routes
from bot.channels.telegram import TelegramChannel
from bot.scheduling.scheduler import Scheduling
from bot.web import build_app

pytestmark = pytest.mark.both_engines


async def readyz(services: Services, scheduling: Scheduling, channel: TelegramChannel) -> httpx.Response:
    app = build_app(operator_routes(services, scheduling, [channel]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://companion.test") as http:
        return await http.get("/readyz")


async def test_ready_only_once_everything_runs(services: Services) -> None:
    channel = TelegramChannel(services)
    scheduling = build_scheduling(services, {"telegram": channel.sender})
    before = await readyz(services, scheduling, channel)
    assert before.status_code == 503
    assert before.json()["reasons"] == ["scheduler: not running", "telegram: not connected"]

    await channel.start()
    await scheduling.start()
    try:
        ready = await readyz(services, scheduling, channel)
        assert ready.status_code == 200 and ready.json() == {"ready": True}
    finally:
        await scheduling.stop()
        await channel.stop()
    after = await readyz(services, scheduling, channel)
    assert after.status_code == 503


async def test_a_database_behind_its_migrations_is_not_ready(services: Services) -> None:
    channel = TelegramChannel(services)
    scheduling = build_scheduling(services, {"telegram": channel.sender})
    await channel.start()
    await scheduling.start()
    try:
        if services.store.db.engine == "sqlite":
            await services.store.db.execute("PRAGMA user_version = 1")
        else:
            await services.store.db.execute("UPDATE schema_version SET version = 1")
        answer = await readyz(services, scheduling, channel)
    finally:
        await scheduling.stop()
        await channel.stop()
    assert answer.status_code == 503
    assert answer.json()["reasons"][0].startswith("database: schema version 1")
