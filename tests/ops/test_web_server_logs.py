"""The web server's own log records (uvicorn) pass through the privacy filter and LOG_FORMAT like ours: no
handler of uvicorn's writes past the filter, and no line names a client's IP or a query string."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.channels.whatsapp import WEBHOOK_PATH
from bot.logs import WEB_SERVER, configure_logging
from bot.web import build_app, build_server
from tests.e2e.whatsapp.test_run import STOP_SECONDS, free_port, wait_until_healthy
from tests.fakes.whatsapp import APP_SECRET, PHONE_NUMBER_ID, VERIFY_TOKEN
from tests.helpers import CONTENT, ROOT, TEST_KEY

PHONE = "254700000931"
QUERY_SECRET = "a-session-value-nobody-logs"
GARBAGE = f"GET /?number={PHONE} HTTP/1.1\r\nHost: bot\r\nnot a header line\r\n\r\n".encode()


async def send_garbage(port: int) -> None:
    """A request uvicorn cannot parse: it logs a warning about it and closes the connection."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(GARBAGE)
    await writer.drain()
    await asyncio.wait_for(reader.read(), 5)
    writer.close()


async def test_python_m_bot_run_writes_the_web_servers_records_as_json_and_private(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "companion.db"), "DATA_KEY": TEST_KEY,
           "CONTENT_DIR": str(CONTENT), "WHATSAPP_ACCESS_TOKEN": "token", "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
           "WHATSAPP_APP_SECRET": APP_SECRET, "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
           "WHATSAPP_API_BASE_URL": "http://127.0.0.1:9", "WEB_HOST": "127.0.0.1", "WEB_PORT": str(port),
           "LOG_FORMAT": "json", "PYTHONPATH": str(ROOT)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", cwd=tmp_path, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            await wait_until_healthy(http)
            challenge = await http.get(WEBHOOK_PATH, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                                             "hub.challenge": "42", "session": QUERY_SECRET})
            assert challenge.text == "42"
            await send_garbage(port)
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = await asyncio.wait_for(process.communicate(), STOP_SECONDS)
    assert process.returncode == 0, stderr.decode()
    logged = (stdout + stderr).decode()
    records = [json.loads(line) for line in logged.splitlines() if line.strip()]  # every line is JSON
    assert {"level": "WARNING", "logger": "uvicorn.error", "message": "Invalid HTTP request received."}.items() \
        <= next(r for r in records if r["logger"] == "uvicorn.error").items()
    for private in (PHONE, QUERY_SECRET, VERIFY_TOKEN, "hub.challenge", "127.0.0.1"):
        assert private not in logged


@dataclass
class Web:
    url: str
    logged: io.StringIO  # what the project's handler wrote
    console: io.StringIO  # anything written to stdout or stderr past it

    def everything(self) -> str:
        return self.logged.getvalue() + self.console.getvalue()


@pytest.fixture
def private_logs() -> Iterator[io.StringIO]:
    """The project's logging set-up (JSON) writing into a buffer; the logging state is put back afterwards."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level,
             [(logging.getLogger(n), list(logging.getLogger(n).handlers), logging.getLogger(n).propagate,
               logging.getLogger(n).level) for n in WEB_SERVER])
    logged = io.StringIO()
    private = configure_logging(logging.INFO, stream=logged, log_format="json")
    private.secrets.add(APP_SECRET)
    yield logged
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for logger, handlers, propagate, level in saved[2]:
        logger.handlers[:] = handlers
        logger.propagate = propagate
        logger.setLevel(level)


async def boom(request: Request) -> Response:
    raise RuntimeError(f"could not reach {PHONE} with {APP_SECRET}")


@pytest.fixture
async def web(private_logs: io.StringIO, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Web]:
    """The web app (with one route that fails) under the real uvicorn server, on an ephemeral port."""
    console = io.StringIO()
    monkeypatch.setattr(sys, "stdout", console)
    monkeypatch.setattr(sys, "stderr", console)
    server = build_server(build_app([Route("/boom", boom)]), "127.0.0.1", 0)
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(5):
        while not server.started:
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield Web(f"http://127.0.0.1:{port}", private_logs, console)
    server.should_exit = True
    await serving


async def test_an_error_inside_the_app_is_logged_masked_through_the_filter(web: Web) -> None:
    async with httpx.AsyncClient(base_url=web.url) as http:
        assert (await http.get("/boom")).status_code == 500
    for private in (PHONE, APP_SECRET):
        assert private not in web.everything()
    records = [json.loads(line) for line in web.logged.getvalue().splitlines()]
    error = next(r for r in records if r["logger"] == "uvicorn.error")
    assert error["level"] == "ERROR" and "Exception in ASGI application" in error["message"]
    assert "could not reach <number> with <secret>" in error["exc_info"]


async def test_access_lines_turned_on_name_no_client_and_no_query(web: Web) -> None:
    access = logging.getLogger("uvicorn.access")  # turned on, as a deployment wanting access lines would
    access.propagate = True
    access.setLevel(logging.INFO)
    async with httpx.AsyncClient(base_url=web.url) as http:
        assert (await http.get("/healthz", params={"session": QUERY_SECRET})).status_code == 200
        assert (await http.get("/boom")).status_code == 500  # a record that does come through: the check bites
    logged = web.everything()
    for private in (QUERY_SECRET, "127.0.0.1", "/healthz"):
        assert private not in logged
    assert "Exception in ASGI application" in web.logged.getvalue()
