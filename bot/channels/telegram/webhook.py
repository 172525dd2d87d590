"""POST /telegram/webhook: updates pushed by Telegram, accepted only with the secret token we registered."""

from __future__ import annotations

import hmac
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from telegram import Update
from telegram.ext import Application

from bot.web import load_json, read_body

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
AUTH_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY_BYTES = 1_000_000


def secret_matches(given: str | None, secret: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), secret.encode())


def webhook_route(application: Application[Any, Any, Any, Any, Any, Any], secret: str) -> Route:
    """The route that hands verified updates to the application's queue (PTB's custom webhook pattern)."""

    async def receive(request: Request) -> Response:
        if not secret_matches(request.headers.get(AUTH_HEADER), secret):
            log.warning("refused a Telegram webhook call without the right secret token")
            return PlainTextResponse("forbidden", status_code=403)
        body = await read_body(request, MAX_BODY_BYTES)
        if body is None:
            return PlainTextResponse("too large", status_code=413)
        try:
            update = Update.de_json(_json_object(body), application.bot)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            log.warning("refused a Telegram webhook call that is not an update")
            return PlainTextResponse("not an update", status_code=400)
        await application.update_queue.put(update)
        return Response(status_code=200)

    return Route(WEBHOOK_PATH, receive, methods=["POST"])


def _json_object(body: bytes) -> dict[str, Any]:
    data = load_json(body)
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise ValueError("not an update")
    return data
