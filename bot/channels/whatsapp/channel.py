"""The WhatsApp channel: webhook routes in, the engine in the middle, the Cloud API out.

A signed POST is answered 200 at once and handled in the background (Meta retries slow answers); each
person's messages are handled one at a time, in arrival order, and a message id is handled only once.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import weakref
from collections.abc import Coroutine
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.channels.whatsapp.graph import reason_for
from bot.channels.whatsapp.sender import CHANNEL, Messenger, WhatsAppSender
from bot.channels.whatsapp.webhook import SIGNATURE_HEADER, InboundMessage, StatusUpdate, parse, signature_ok
from bot.core import callbacks
from bot.core.clock import Clock
from bot.core.engine import Engine
from bot.core.messages import Address, Incoming, Reply
from bot.core.outbound import DeliveryError, Sender
from bot.scheduling.pace import Pace
from bot.storage.crypto import derive
from bot.storage.store import Store
from bot.web import MAX_BODY_BYTES, load_json, read_body

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/whatsapp/webhook"
RECEIPTS = frozenset({"sent", "delivered", "read", "failed"})
BLOCKING_CODES = frozenset({131026})  # the number cannot receive messages: stop proactive sends
SILENT_KINDS = frozenset({"reaction", "system", "request_welcome"})  # nothing to answer
PRESSED_KINDS = frozenset({"interactive", "button"})
# A pressed id that fails verification becomes this key, which no feature owns: the engine answers kindly.
STALE_KEY = "stale"
STOP_SECONDS = 10.0


class WhatsAppChannel:
    name = CHANNEL

    def __init__(self, engine: Engine, store: Store, clock: Clock, sender: WhatsAppSender, *,
                 phone_number_id: str, app_secret: str, verify_token: str) -> None:
        self.engine = engine
        self.store = store
        self.clock = clock
        self.sender: Sender = sender
        self._started = False
        self.messenger: Messenger = sender.messenger
        self.pace: Pace | None = sender.messenger.graph.pace  # the number's budget, shared with other processes
        self.phone_number_id = phone_number_id
        self.app_secret = app_secret.encode()
        # Message ids are remembered as hashes keyed from the secret that signs the webhooks, not from DATA_KEY:
        # they still match after `db rotate-key`, and a body signed with an older app secret no longer passes.
        self.seen_key = derive(app_secret, "whatsapp-seen-v1")
        self.verify_token = verify_token
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks: weakref.WeakValueDictionary[Address, asyncio.Lock] = weakref.WeakValueDictionary()

    def routes(self) -> list[BaseRoute]:
        return [Route(WEBHOOK_PATH, self.verify, methods=["GET"]),
                Route(WEBHOOK_PATH, self.receive, methods=["POST"])]

    @property
    def ready(self) -> bool:
        return self._started

    async def start(self) -> None:
        self._started = True
        log.info("whatsapp webhook at %s", WEBHOOK_PATH)

    async def stop_updates(self) -> None:
        """Updates arrive through the web server, which stops first; nothing else to stop here."""

    async def stop(self) -> None:
        """Let handlers in flight finish (bounded), then close the HTTP client."""
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=STOP_SECONDS)
        for task in self._tasks:
            task.cancel()
        await self.messenger.graph.close()

    async def idle(self) -> None:
        """Wait until every background handler has finished (tests and shutdown)."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    async def verify(self, request: Request) -> Response:
        """Meta's subscription check: echo hub.challenge when hub.verify_token matches."""
        query = request.query_params
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") == "subscribe" and hmac.compare_digest(token.encode(), self.verify_token.encode()):
            return PlainTextResponse(query.get("hub.challenge", ""))
        log.warning("whatsapp webhook verification refused")
        return PlainTextResponse("Forbidden", status_code=403)

    async def receive(self, request: Request) -> Response:
        body = await read_body(request)
        if body is None:
            log.warning("whatsapp webhook refused: body larger than %s bytes", MAX_BODY_BYTES)
            return PlainTextResponse("Payload Too Large", status_code=413)
        if not signature_ok(self.app_secret, body, request.headers.get(SIGNATURE_HEADER)):
            log.warning("whatsapp webhook refused: missing or wrong signature")
            return PlainTextResponse("Forbidden", status_code=403)
        try:
            data = load_json(body)
        except ValueError:
            return PlainTextResponse("Bad Request", status_code=400)
        payload = parse(data, self.phone_number_id)
        for message in payload.messages:
            # Remembered in the database, so a replay after a restart is recognised too.
            if await self.store.whatsapp.first_sight(message.id, self.seen_key, self.clock.now()):
                self._spawn(self._answer(message))
        if payload.statuses:
            self._spawn(self._record(payload.statuses))
        return PlainTextResponse("ok")

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _lock(self, address: Address) -> asyncio.Lock:
        lock = self._locks.get(address)
        if lock is None:
            lock = self._locks[address] = asyncio.Lock()
        return lock

    async def _answer(self, message: InboundMessage) -> None:
        address = Address(CHANNEL, message.sender)
        async with self._lock(address):
            try:
                await self._answer_locked(address, message)
            except DeliveryError as exc:
                log.warning("whatsapp: could not answer a %s message: %s", message.kind, exc)
            except Exception:
                log.exception("whatsapp: error while answering a %s message", message.kind)

    async def _answer_locked(self, address: Address, message: InboundMessage) -> None:
        if message.kind in SILENT_KINDS:
            return
        if message.kind == "button" and (held := await self.messenger.pop_held(address)):
            await self.messenger.deliver(address, held, await self._touch(address), urgent=True)
            await self.engine.prompted(address, held)
            return
        incoming = await self._incoming(address, message)
        if incoming is None:
            language = await self._touch(address)
            only_text = Reply(self.engine.library.text(language, "whatsapp.only_text"))
            await self.messenger.deliver(address, [only_text], language, urgent=True)
            return
        replies = await self.engine.handle(incoming)
        contact = await self.store.contacts.find(address)
        await self.messenger.deliver(address, replies, contact.language if contact else self.engine.default_language,
                                     urgent=True)

    async def _incoming(self, address: Address, message: InboundMessage) -> Incoming | None:
        """The Incoming for text and pressed choices; None for what the bot cannot read."""
        if message.kind == "text":
            text = message.text.strip()
            numbered = await self.messenger.numbered(address) if text.isdigit() else ()
            if text.isdigit() and 1 <= int(text) <= len(numbered):
                return Incoming.pressed(address, numbered[int(text) - 1].key, typed=text)
            return Incoming.from_text(address, message.text)
        if message.kind in PRESSED_KINDS:
            key = callbacks.verify(self.messenger.callback_key, address, message.payload)
            return Incoming.pressed(address, key or STALE_KEY)
        return None

    async def _touch(self, address: Address) -> str:
        """Record a message the engine did not see (it opens the 24-hour window too); return the language."""
        return await self.engine.seen(address)

    async def _record(self, statuses: list[StatusUpdate]) -> None:
        """Apply status webhooks to the outbox rows they belong to (unknown message ids are ignored)."""
        try:
            for update in statuses:
                if update.status in RECEIPTS:
                    await self._record_one(update)
        except Exception:
            log.exception("whatsapp: error while recording a status update")

    async def _record_one(self, update: StatusUpdate) -> None:
        failed = update.status == "failed"
        reason = reason_for(update.error_code) if failed else None
        contact_id = await self.store.deliveries.record_status(update.message_id, update.status, reason,
                                                               self.clock.now())
        if not (failed and contact_id is not None and update.error_code in BLOCKING_CODES):
            return
        await self.engine.mark_blocked(contact_id=contact_id)
