"""A local fake of the WhatsApp Cloud API (Graph API) on 127.0.0.1: records what the bot sends."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

WAIT_SECONDS = 5.0


@dataclass
class Upload:
    mime_type: str
    filename: str
    size: int


@dataclass
class FakeGraph:
    """Answers POST /<version>/<phone id>/messages and /media like Meta, or with queued errors."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)
    errors: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)
    _runner: web.AppRunner | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def start(self) -> str:
        app = web.Application()
        app.router.add_post("/{version}/{phone}/messages", self._messages)
        app.router.add_post("/{version}/{phone}/media", self._media)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        return f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def fail_next(self, code: int, http_status: int = 400, message: str = "failure") -> None:
        """Answer the next message request with a Graph API error of this code."""
        self.errors.append((http_status, {"error": {"message": message, "type": "OAuthException", "code": code,
                                                    "fbtrace_id": "trace"}}))

    def to(self, recipient: str) -> list[dict[str, Any]]:
        """Messages sent to one person (by phone number or business-scoped user id)."""
        return [m for m in self.sent if recipient in (m.get("to"), m.get("recipient"))]

    async def wait_for(self, count: int) -> list[dict[str, Any]]:
        """Wait (bounded) until at least `count` messages were sent."""
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: len(self.sent) >= count), WAIT_SECONDS)
        return self.sent

    async def _messages(self, request: web.Request) -> web.Response:
        self.paths.append(request.path)
        self.tokens.add(request.headers.get("Authorization", ""))
        body = await request.json()
        if self.errors:
            status, error = self.errors.pop(0)
            return web.json_response(error, status=status)
        async with self._changed:
            self.sent.append(body)
            self._changed.notify_all()
        number = len(self.sent)
        recipient = body.get("to") or body.get("recipient")
        contact = {"input": recipient, "wa_id": recipient} if body.get("to") else {"input": recipient,
                                                                                     "user_id": recipient}
        return web.json_response({"messaging_product": "whatsapp", "contacts": [contact],
                                  "messages": [{"id": f"wamid.fake{number}"}]})

    async def _media(self, request: web.Request) -> web.Response:
        form = await request.post()
        upload = form["file"]
        assert isinstance(upload, web.FileField)
        self.uploads.append(Upload(upload.content_type, upload.filename, len(upload.file.read())))
        return web.json_response({"id": f"media{len(self.uploads)}"})
