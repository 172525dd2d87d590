"""Meta-shaped webhook payloads, the running bot behind a real uvicorn server, and a Phone that talks to it.

Payload shapes follow Meta's documented examples ("messages" webhook reference): text, interactive
button_reply and list_reply, template quick-reply "button", image, and statuses.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.app import Services, build_services
from bot.channels.whatsapp import WEBHOOK_PATH, WhatsAppChannel, open_whatsapp
from bot.channels.whatsapp.webhook import SIGNATURE_HEADER, sign_body
from bot.config import Settings, load_settings
from bot.core.clock import FakeClock
from bot.core.messages import Address
from bot.web import build_app, build_server
from tests.fakes.graph_api import FakeGraph
from tests.helpers import CONTENT, TEST_KEY, rows
from tests.postgres import database_settings

PHONE_NUMBER_ID = "106540352242922"
APP_SECRET = "app-secret-for-tests"
VERIFY_TOKEN = "verify-token-for-tests"
WABA_ID = "102290129340398"
START_SECONDS = 5.0

_ids = itertools.count(1)


def envelope(value: dict[str, Any]) -> dict[str, Any]:
    """Wrap a `value` object the way every messages webhook does."""
    metadata = {"display_phone_number": "15550783881", "phone_number_id": PHONE_NUMBER_ID}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": WABA_ID, "changes": [{"field": "messages",
                                                   "value": {"messaging_product": "whatsapp", "metadata": metadata,
                                                             **value}}]}]}


def inbound(wa_id: str | None, content: dict[str, Any], *, user_id: str | None = None,
            message_id: str | None = None) -> dict[str, Any]:
    """One message from a person; `user_id` adds the business-scoped id, `wa_id=None` hides the number."""
    contact: dict[str, Any] = {"profile": {"name": "Sheena Nelson"}}
    message: dict[str, Any] = {"id": message_id or f"wamid.in{next(_ids)}", "timestamp": "1749416383", **content}
    if wa_id is not None:
        contact["wa_id"] = wa_id
        message["from"] = wa_id
    if user_id is not None:
        contact["user_id"] = user_id
        message["from_user_id"] = user_id
    return envelope({"contacts": [contact], "messages": [message]})


def text(body: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": body}}


def button_reply(option_id: str, title: str) -> dict[str, Any]:
    return {"type": "interactive", "context": {"from": "15550783881", "id": "wamid.out"},
            "interactive": {"type": "button_reply", "button_reply": {"id": option_id, "title": title}}}


def list_reply(option_id: str, title: str, description: str = "") -> dict[str, Any]:
    return {"type": "interactive", "context": {"from": "15550783881", "id": "wamid.out"},
            "interactive": {"type": "list_reply",
                            "list_reply": {"id": option_id, "title": title, "description": description}}}


def template_button(payload: str, label: str = "Open") -> dict[str, Any]:
    return {"type": "button", "context": {"from": "15550783881", "id": "wamid.template"},
            "button": {"payload": payload, "text": label}}


def image() -> dict[str, Any]:
    return {"type": "image", "image": {"mime_type": "image/jpeg", "sha256": "abc", "id": "1003383421387256"}}


def statuses(*items: tuple[str, str], recipient: str = "16505551234", error_code: int | None = None) -> dict[str, Any]:
    """Status webhooks for (message id, status) pairs, in the order given."""
    found = []
    for message_id, status in items:
        item: dict[str, Any] = {"id": message_id, "status": status, "timestamp": "1750263773",
                                "recipient_id": recipient}
        if status == "failed" and error_code is not None:
            item["errors"] = [{"code": error_code, "title": "Message undeliverable",
                               "error_data": {"details": "Message Undeliverable."}}]
        found.append(item)
    return envelope({"statuses": found})


async def sent_delivery(services: Services, provider_id: str, wa_id: str = "16505551234") -> int:
    """An outbox row the dispatcher has sent with this platform message id (marked directly)."""
    now = services.clock.now()
    contact = await services.store.contacts.create(Address("whatsapp", wa_id), "en", "UTC", now)
    delivery_id = await services.store.deliveries.enqueue(contact.id, "reminder", provider_id, now, {}, now)
    assert delivery_id is not None
    async with services.store.db.tx() as conn:
        await conn.execute("UPDATE deliveries SET status = 'sent', provider_id = ? WHERE id = ?",
                           (provider_id, delivery_id))
    return delivery_id


def receipt(services: Services, delivery_id: int) -> object:
    [(value,)] = rows(services.settings.database_path, "SELECT receipt FROM deliveries WHERE id = ?", delivery_id)
    return value


def whatsapp_settings(tmp_path: Path, base_url: str, engine: str = "sqlite", **overrides: Any) -> Settings:
    database = tmp_path / "companion.db"
    values: dict[str, Any] = {
        "database_path": database, **database_settings(database, engine), "data_key": TEST_KEY, "content_dir": CONTENT,
        "whatsapp_access_token": "token-for-tests", "whatsapp_phone_number_id": PHONE_NUMBER_ID,
        "whatsapp_app_secret": APP_SECRET, "whatsapp_verify_token": VERIFY_TOKEN,
        "whatsapp_api_base_url": base_url,
    }
    return load_settings(_env_file=None, **(values | overrides))


@dataclass
class Rig:
    """The bot serving WhatsApp webhooks on an ephemeral port, with its fake Graph API."""

    services: Services
    channel: WhatsAppChannel
    graph: FakeGraph
    http: httpx.AsyncClient
    clock: FakeClock

    async def post(self, payload: dict[str, Any], signature: str | None = "good") -> httpx.Response:
        """POST a payload as Meta would: signed with the app secret unless told otherwise; wait for handling."""
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "good":
            headers[SIGNATURE_HEADER] = sign_body(APP_SECRET.encode(), body)
        elif signature is not None:
            headers[SIGNATURE_HEADER] = signature
        response = await self.http.post(WEBHOOK_PATH, content=body, headers=headers)
        await self.channel.idle()
        return response

    def phone(self, wa_id: str | None = "254700000001", user_id: str | None = None) -> Phone:
        return Phone(self, wa_id, user_id)


@dataclass
class Phone:
    """One person on WhatsApp: sends messages, taps buttons and rows of what the bot sent last."""

    rig: Rig
    wa_id: str | None
    user_id: str | None
    seen: int = 0
    last: list[dict[str, Any]] = field(default_factory=list)

    @property
    def recipient(self) -> str:
        return self.wa_id or self.user_id or ""

    def received(self) -> list[dict[str, Any]]:
        return self.rig.graph.to(self.recipient)

    async def _send(self, content: dict[str, Any]) -> list[dict[str, Any]]:
        response = await self.rig.post(inbound(self.wa_id, content, user_id=self.user_id))
        assert response.status_code == 200
        everything = self.received()
        self.last, self.seen = everything[self.seen:], len(everything)
        return self.last

    async def say(self, words: str) -> list[dict[str, Any]]:
        return await self._send(text(words))

    async def send(self, content: dict[str, Any]) -> list[dict[str, Any]]:
        return await self._send(content)

    def options(self) -> list[tuple[str, dict[str, Any]]]:
        """(kind, option) of the last interactive message received: kind is 'button' or 'row'."""
        for message in reversed(self.received()):
            interactive = message.get("interactive")
            if not interactive:
                continue
            if interactive["type"] == "button":
                return [("button", b["reply"]) for b in interactive["action"]["buttons"]]
            return [("row", row) for section in interactive["action"]["sections"] for row in section["rows"]]
        return []

    async def tap(self, label: str) -> list[dict[str, Any]]:
        """Tap the button or list row whose title contains `label` (case-insensitive)."""
        matches = [(kind, o) for kind, o in self.options() if label.lower() in o["title"].lower()]
        assert matches, f"no option like {label!r} in {[o['title'] for _, o in self.options()]}"
        kind, option = min(matches, key=lambda match: len(match[1]["title"]))
        content = button_reply(option["id"], option["title"]) if kind == "button" else list_reply(
            option["id"], option["title"])
        return await self._send(content)

    async def consent(self, keep_notes: bool = False) -> None:
        await self.say("start")
        await self.tap("English")
        await self.tap("agree")
        await self.tap("Keep my notes" if keep_notes else "No notes")

    @property
    def text(self) -> str:
        """Every body of the messages received since the last action, joined."""
        return "\n".join(body_of(m) for m in self.last)


def body_of(message: dict[str, Any]) -> str:
    if message["type"] == "text":
        return str(message["text"]["body"])
    if message["type"] == "interactive":
        return str(message["interactive"]["body"]["text"])
    return f"[{message['type']}]"


async def serve(settings: Settings, clock: FakeClock, graph: FakeGraph) -> AsyncIterator[Rig]:
    services = await build_services(settings, clock)
    channel = open_whatsapp(services)
    server = build_server(build_app(channel.routes()), "127.0.0.1", 0)
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(START_SECONDS):
            while not server.started:
                await asyncio.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=START_SECONDS) as http:
            yield Rig(services, channel, graph, http, clock)
    finally:
        server.should_exit = True
        await serving
        await channel.stop()
        await services.close()


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph()
    yield fake
    await fake.stop()


@pytest.fixture
async def rig(tmp_path: Path, clock: FakeClock, graph: FakeGraph, engine: str) -> AsyncIterator[Rig]:
    base_url = await graph.start()
    async for running in serve(whatsapp_settings(tmp_path, base_url, engine), clock, graph):
        yield running
