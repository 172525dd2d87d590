"""Webhook mode: setWebhook with our secret, and POST /telegram/webhook on the real uvicorn server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.app import Services
from bot.channels.telegram import TelegramChannel
from bot.config import Settings, load_settings
from bot.web import build_app, build_server
from tests.e2e.fake_telegram import FakeTelegram
from tests.helpers import CONTENT, TEST_KEY, person_rows
from tests.postgres import database_settings

pytestmark = pytest.mark.both_engines

PUBLIC_URL = "https://companion.example.org/telegram/webhook"
HEADER = "X-Telegram-Bot-Api-Secret-Token"
CHAT = 6160


@pytest.fixture
def settings(tmp_path: Path, fake: FakeTelegram, engine: str) -> Settings:
    database = tmp_path / "companion.db"
    return load_settings(_env_file=None, database_path=database, data_key=TEST_KEY,
                         content_dir=CONTENT, telegram_bot_token=fake.token, telegram_base_url=fake.base_url,
                         telegram_webhook_url=PUBLIC_URL, **database_settings(database, engine))


@pytest.fixture
async def web(telegram: TelegramChannel) -> AsyncIterator[str]:
    """The shared web app under uvicorn on an ephemeral port; yields its base URL."""
    server = build_server(build_app(telegram.routes()), "127.0.0.1", 0)
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(5):
        while not server.started:
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await serving


async def post(web: str, body: object, secret: str | None) -> httpx.Response:
    headers = {HEADER: secret} if secret is not None else {}
    async with httpx.AsyncClient(timeout=5) as client:
        return await client.post(f"{web}/telegram/webhook", json=body, headers=headers)


def start_update(fake: FakeTelegram) -> dict[str, object]:
    return {"update_id": fake.new_update_id(), **fake.text_update(CHAT, "/start")}


async def test_the_webhook_is_registered_with_our_secret(services: Services, fake: FakeTelegram,
                                                         telegram: TelegramChannel) -> None:
    (call,) = fake.calls_of("setWebhook")
    assert call.params["url"] == PUBLIC_URL
    assert call.params["secret_token"] == services.store.vault.webhook_secret
    assert fake.calls_of("getUpdates") == []


async def test_an_update_with_the_right_secret_is_answered(services: Services, fake: FakeTelegram,
                                                           telegram: TelegramChannel, web: str) -> None:
    response = await post(web, start_update(fake), services.store.vault.webhook_secret)
    assert response.status_code == 200
    async with asyncio.timeout(5):
        await telegram.application.update_queue.join()
    assert "welcome" in fake.sent_to(CHAT)[0].text


@pytest.mark.parametrize("secret", [None, "", "wrong", "x" * 64])
async def test_a_wrong_or_missing_secret_gets_403_and_nothing_happens(services: Services, fake: FakeTelegram,
                                                                      telegram: TelegramChannel, web: str,
                                                                      secret: str | None) -> None:
    response = await post(web, start_update(fake), secret)
    assert response.status_code == 403
    assert telegram.application.update_queue.empty()
    assert fake.sent_to(CHAT) == []
    assert person_rows(services.settings.database_path) == 0


async def test_a_body_that_is_not_an_update_gets_400(services: Services, web: str) -> None:
    secret = services.store.vault.webhook_secret
    assert (await post(web, ["not", "an", "update"], secret)).status_code == 400
    assert (await post(web, {"message": "no id"}, secret)).status_code == 400


async def test_health_is_served_beside_the_webhook(web: str) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        assert (await client.get(f"{web}/healthz")).text == "ok"


async def test_deeply_nested_json_gets_400_not_a_crash(services: Services, web: str) -> None:
    depth = 100_000
    body = b'{"update_id": 1, "message": ' + b"[" * depth + b"]" * depth + b"}"
    headers = {HEADER: services.store.vault.webhook_secret}
    async with httpx.AsyncClient(timeout=5) as client:
        response = await client.post(f"{web}/telegram/webhook", content=body, headers=headers)
    assert response.status_code == 400
    assert person_rows(services.settings.database_path) == 0
