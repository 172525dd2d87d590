"""The one web server (Starlette under uvicorn) for webhooks, `/healthz`, `/readyz` and `/metrics`."""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.metrics import CONTENT_TYPE_LATEST, Metrics

Problems = Callable[[], Awaitable[list[str]]]
Refresh = Callable[[], Awaitable[None]]


# Webhook bodies are small (a few kB); anything past this is refused before it is read, not after.
MAX_BODY_BYTES = 1 << 20


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes | None:
    """The request body, or None as soon as it is known to exceed `limit` (the rest is never read)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def load_json(body: bytes) -> Any:
    """json.loads, with nesting too deep for the parser reported as the ValueError it is, not a crash."""
    try:
        return json.loads(body)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc


async def healthz(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def readyz_route(problems: Problems) -> Route:
    async def readyz(request: Request) -> JSONResponse:
        found = await problems()
        if found:
            return JSONResponse({"ready": False, "reasons": found}, status_code=503)
        return JSONResponse({"ready": True})

    return Route("/readyz", readyz)


def metrics_route(metrics: Metrics, token: str, refresh: Refresh) -> Route:
    """Prometheus text behind a bearer token; the database figures are read at scrape time."""
    expected = f"Bearer {token}".encode()

    async def scrape(request: Request) -> Response:
        given = request.headers.get("authorization", "").encode("utf-8", "replace")
        if not hmac.compare_digest(given, expected):
            return PlainTextResponse("unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        await refresh()
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", scrape)


def build_app(routes: Sequence[BaseRoute]) -> Starlette:
    return Starlette(routes=[Route("/healthz", healthz), *routes])


def build_server(app: Starlette, host: str, port: int) -> uvicorn.Server:
    """uvicorn without a logging set-up of its own (log_config=None): its records go to the root handler, through
    the privacy filter and LOG_FORMAT like ours. No access log: it would name each client's IP and query string."""
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            lifespan="off", log_config=None)
    return uvicorn.Server(config)
