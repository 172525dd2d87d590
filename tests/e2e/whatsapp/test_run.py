"""`python -m bot run` with the four WhatsApp settings serves the webhook and answers through the Graph API."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest

from bot.channels.whatsapp import WEBHOOK_PATH
from bot.channels.whatsapp.webhook import SIGNATURE_HEADER, sign_body
from tests.fakes.graph_api import FakeGraph
from tests.fakes.whatsapp import APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN, inbound, text
from tests.helpers import CONTENT, ROOT, TEST_KEY
from tests.postgres import database_env

pytestmark = pytest.mark.both_engines

START_SECONDS = 20.0
STOP_SECONDS = 10.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def wait_until_healthy(http: httpx.AsyncClient) -> None:
    async with asyncio.timeout(START_SECONDS):
        while True:
            try:
                if (await http.get("/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)


async def test_python_m_bot_run_serves_whatsapp(tmp_path: Path, graph: FakeGraph, engine: str) -> None:
    base_url = await graph.start()
    port = free_port()
    env = {**os.environ, **database_env(tmp_path / "companion.db", engine), "DATA_KEY": TEST_KEY,
           "CONTENT_DIR": str(CONTENT), "WHATSAPP_ACCESS_TOKEN": "token", "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
           "WHATSAPP_APP_SECRET": APP_SECRET, "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
           "WHATSAPP_API_BASE_URL": base_url, "WEB_HOST": "127.0.0.1", "WEB_PORT": str(port)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            await wait_until_healthy(http)
            challenge = await http.get(WEBHOOK_PATH, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                                             "hub.challenge": "42"})
            assert challenge.text == "42"
            body = json.dumps(inbound("254700000777", text("start"))).encode()
            signed = {SIGNATURE_HEADER: sign_body(APP_SECRET.encode(), body), "Content-Type": "application/json"}
            assert (await http.post(WEBHOOK_PATH, content=body, headers=signed)).status_code == 200
            [answer] = await graph.wait_for(1)
            assert answer["to"] == "254700000777" and answer["type"] == "interactive"
            assert graph.tokens == {"Bearer token"}
            assert graph.paths[0].endswith(f"/{PHONE_NUMBER_ID}/messages")
    finally:
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), STOP_SECONDS)
    assert process.returncode == 0, stderr.decode()
    assert b"254700000777" not in stderr
