"""The one web server (Starlette under uvicorn) for webhooks and /healthz."""

from __future__ import annotations

from collections.abc import Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Route


async def healthz(request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


def build_app(routes: Sequence[BaseRoute]) -> Starlette:
    return Starlette(routes=[Route("/healthz", healthz), *routes])


def build_server(app: Starlette, host: str, port: int) -> uvicorn.Server:
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", access_log=False,
                            lifespan="off")
    return uvicorn.Server(config)
