"""A fake Bot API server on 127.0.0.1 for end-to-end tests and benchmarks.

It answers the methods the bot calls, records every call, hands out updates that a test queues through
getUpdates (long polling, with Telegram's offset confirmation), keeps the messages each chat would show, and
can answer the next call of a method with a 429, a 403, a dropped connection, or a delivery whose answer never
comes back ("deliver_then_stall": the message is kept, the connection then hangs until the client times out).
With `send_limit`, it also answers 429 (retry_after) to calls that put a message in a chat (sends and edits;
not callback answers) past that many within one second, as Telegram's flood control does.

    fake = FakeTelegram()
    await fake.start()                      # fake.base_url -> TELEGRAM_BASE_URL, fake.token -> TELEGRAM_BOT_TOKEN
    fake.push(fake.text_update(42, "/start"))
    await fake.wait_for(lambda: fake.sent_to(42))
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from aiohttp import web

Fault = Literal["retry_after", "forbidden", "drop", "deliver_then_stall"]
TOKEN = "123456:fake-token-for-tests"
BOT_ID = 123456
BOT_USERNAME = "companion_test_bot"
MAX_LONG_POLL_SECONDS = 1.0  # shorter than Telegram's, so a stopping bot is never held up
# Fields that PTB sends as plain strings; every other field is JSON-encoded.
# What Telegram's bot-wide limit of about 30 a second counts: every call that puts or changes a message in a chat.
LIMITED_METHODS = frozenset({"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageReplyMarkup",
                             "editMessageCaption", "copyMessage", "forwardMessage"})
STALL_SECONDS = 30.0
RAW_FIELDS = frozenset({"text", "caption", "callback_query_id", "url", "secret_token", "description",
                        "language_code", "parse_mode", "chat_id"})


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    fault: Fault | None = None


@dataclass
class Sent:
    """A message as the chat shows it now (edits applied)."""

    message_id: int
    chat_id: int
    kind: str  # text | photo | document
    text: str
    markup: dict[str, Any] | None
    silent: bool
    file: bytes | None = None
    filename: str | None = None
    edits: int = 0
    at: float = field(default_factory=time.monotonic)  # when it arrived
    edited_at: float | None = None  # when it last changed

    @property
    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback data) of each inline button, top to bottom."""
        rows = (self.markup or {}).get("inline_keyboard", [])
        return [(button["text"], button["callback_data"]) for row in rows for button in row]


@dataclass
class _Pending:
    fault: Fault
    retry_after: int = 1


@dataclass
class FakeTelegram:
    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    messages: list[Sent] = field(default_factory=list)
    confirmed_offset: int = 0  # every update below this id has been fetched and confirmed by the bot
    callback_queries: int = 0  # button presses built with callback_update
    send_limit: int | None = None  # LIMITED_METHODS calls allowed within any one second; None: no limit
    limit_retry_after: int = 1
    throttled: int = 0  # calls answered 429 because of send_limit
    deleted: list[int] = field(default_factory=list)  # message ids the bot deleted (deleteMessages)

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._faults: dict[str, list[_Pending]] = {}
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._query_ids = itertools.count(1)
        self._by_id: dict[int, Sent] = {}  # message_id -> Sent, so benchmarks with many chats stay linear
        self._changed = asyncio.Condition()
        self._recent_sends: deque[float] = deque()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle -------------------------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=20 * 1024 * 1024)
        app.router.add_route("*", "/{path:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        self._closing = True
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # ---- what tests do ---------------------------------------------------------------------------------------

    def fail(self, method: str, fault: Fault, *, times: int = 1, retry_after: int = 1) -> None:
        """Answer the next `times` calls of method with a fault instead of success."""
        self._faults.setdefault(method, []).extend(_Pending(fault, retry_after) for _ in range(times))

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update (without update_id) for getUpdates; return the id it was given."""
        update_id = next(self._update_ids)
        self._updates.append({"update_id": update_id, **update})
        asyncio.get_running_loop().create_task(self._notify())
        return update_id

    def new_update_id(self) -> int:
        """An id for an update delivered another way (a webhook POST)."""
        return next(self._update_ids)

    def text_update(self, chat_id: int, text: str, *, chat_type: str = "private",
                    language_code: str = "en") -> dict[str, Any]:
        command = text.split()[0] if text.startswith("/") else ""
        entities = [{"type": "bot_command", "offset": 0, "length": len(command)}] if command else []
        return {"message": self._message(chat_id, chat_type, language_code, text=text, entities=entities)}

    def sticker_update(self, chat_id: int) -> dict[str, Any]:
        sticker = {"file_id": "s1", "file_unique_id": "s1u", "width": 512, "height": 512, "is_animated": False,
                   "is_video": False, "type": "regular"}
        return {"message": self._message(chat_id, "private", "en", sticker=sticker)}

    def voice_update(self, chat_id: int) -> dict[str, Any]:
        return {"message": self._message(chat_id, "private", "en",
                                         voice={"file_id": "v1", "file_unique_id": "v1u", "duration": 3})}

    def callback_update(self, chat_id: int, data: str, message_id: int, *,
                        language_code: str = "en") -> dict[str, Any]:
        self.callback_queries += 1
        sent = self.message(message_id)
        message = self._as_message(sent) if sent is not None else {
            "message_id": message_id, "date": 0, "chat": {"id": chat_id, "type": "private"}, "text": "…"}
        return {"callback_query": {"id": str(next(self._query_ids)), "from": self._user(chat_id, language_code),
                                   "chat_instance": f"ci{chat_id}", "data": data, "message": message}}

    def sent_to(self, chat_id: int) -> list[Sent]:
        return [m for m in self.messages if m.chat_id == chat_id]

    def message(self, message_id: int) -> Sent | None:
        return self._by_id.get(message_id)

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[], object], timeout: float = 5.0) -> None:
        """Wait until predicate() holds; fail the test after timeout seconds."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: bool(predicate()))

    async def fetched(self, update_id: int, timeout: float = 5.0) -> None:
        """Wait until the bot has fetched the update and confirmed it (it is then in the bot's queue)."""
        await self.wait_for(lambda: self.confirmed_offset > update_id, timeout)

    # ---- the server ------------------------------------------------------------------------------------------

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        prefix, _, method = request.match_info["path"].partition("/")
        if prefix != f"bot{self.token}":
            return _error(401, "Unauthorized")
        params = await _params(request)
        pending = self._faults.get(method)
        fault = pending.pop(0) if pending else None
        if fault is None and method in LIMITED_METHODS and self._over_limit():
            self.throttled += 1
            fault = _Pending("retry_after", self.limit_retry_after)
        self.calls.append(Call(method, params, fault.fault if fault else None))
        await self._notify()
        if fault is not None and fault.fault == "deliver_then_stall":
            handler = getattr(self, f"_m_{method}")
            await handler(params)
            await self._notify()
            await asyncio.sleep(STALL_SECONDS)
            return _error(500, "Internal Server Error: too late")
        if fault is not None:
            return _fault(request, fault)
        handler = getattr(self, f"_m_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        result = await handler(params)
        await self._notify()
        return web.json_response({"ok": True, "result": result})

    def _over_limit(self) -> bool:
        """True when send_limit limited calls were accepted within the last second (this one is refused)."""
        if self.send_limit is None:
            return False
        now = time.monotonic()
        while self._recent_sends and now - self._recent_sends[0] >= 1.0:
            self._recent_sends.popleft()
        if len(self._recent_sends) >= self.send_limit:
            return True
        self._recent_sends.append(now)
        return False

    async def _m_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return {**self._bot_user(), "can_join_groups": False, "can_read_all_group_messages": False,
                "supports_inline_queries": False}

    async def _m_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self.confirmed_offset = max(self.confirmed_offset, offset)
        await self._notify()
        timeout = min(float(params.get("timeout") or 0), MAX_LONG_POLL_SECONDS)
        if not self._updates and timeout > 0:
            try:
                async with asyncio.timeout(timeout), self._changed:
                    await self._changed.wait_for(lambda: bool(self._updates) or self._closing)
            except TimeoutError:
                pass
        return list(self._updates)

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_setWebhook(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_setMyCommands(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_deleteMessages(self, params: dict[str, Any]) -> bool:
        ids = params["message_ids"]
        ids = json.loads(ids) if isinstance(ids, str) else ids
        self.deleted += [int(i) for i in ids]
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        return True

    async def _m_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._store(params, "text", params["text"])

    async def _m_sendPhoto(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._store(params, "photo", params.get("caption", ""), params.get("photo"))

    async def _m_sendDocument(self, params: dict[str, Any]) -> dict[str, Any]:
        return self._store(params, "document", params.get("caption", ""), params.get("document"))

    async def _m_editMessageText(self, params: dict[str, Any]) -> dict[str, Any] | dict[str, str]:
        sent = self._edited(params)
        sent.text = params["text"]
        sent.markup = params.get("reply_markup")
        return self._as_message(sent)

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        sent = self._edited(params)
        sent.markup = params.get("reply_markup")
        return self._as_message(sent)

    def _edited(self, params: dict[str, Any]) -> Sent:
        sent = self.message(int(params["message_id"]))
        if sent is None or sent.chat_id != int(params["chat_id"]):
            raise web.HTTPBadRequest(text=json.dumps({"ok": False, "error_code": 400,
                                                      "description": "Bad Request: message to edit not found"}),
                                     content_type="application/json")
        sent.edits += 1
        sent.edited_at = time.monotonic()
        return sent

    def _store(self, params: dict[str, Any], kind: str, text: str, upload: Any = None) -> dict[str, Any]:
        file = upload if isinstance(upload, _Upload) else None
        sent = Sent(next(self._message_ids), int(params["chat_id"]), kind, text, params.get("reply_markup"),
                    bool(params.get("disable_notification")), file.data if file else None,
                    file.filename if file else None)
        self.messages.append(sent)
        self._by_id[sent.message_id] = sent
        return self._as_message(sent)

    def _as_message(self, sent: Sent) -> dict[str, Any]:
        message: dict[str, Any] = {"message_id": sent.message_id, "date": 0, "from": self._bot_user(),
                                   "chat": {"id": sent.chat_id, "type": "private" if sent.chat_id > 0 else "group"}}
        if sent.kind == "text":
            message["text"] = sent.text
        else:
            if sent.text:
                message["caption"] = sent.text
            if sent.kind == "photo":
                message["photo"] = [{"file_id": f"p{sent.message_id}", "file_unique_id": f"pu{sent.message_id}",
                                     "width": 800, "height": 600}]
            else:
                message["document"] = {"file_id": f"d{sent.message_id}", "file_unique_id": f"du{sent.message_id}",
                                       "file_name": sent.filename}
        if sent.markup:
            message["reply_markup"] = sent.markup
        return message

    def _message(self, chat_id: int, chat_type: str, language_code: str, **content: Any) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "type": chat_type}
        if chat_type != "private":
            chat["title"] = "A group"
        return {"message_id": next(self._message_ids), "date": 0, "chat": chat,
                "from": self._user(abs(chat_id), language_code), **content}

    @staticmethod
    def _user(user_id: int, language_code: str) -> dict[str, Any]:
        return {"id": user_id, "is_bot": False, "first_name": "Person", "language_code": language_code}

    @staticmethod
    def _bot_user() -> dict[str, Any]:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Companion", "username": BOT_USERNAME}


@dataclass(frozen=True)
class _Upload:
    filename: str
    data: bytes


async def _params(request: web.Request) -> dict[str, Any]:
    """PTB posts form fields (multipart when a file goes along); complex values are JSON strings."""
    params: dict[str, Any] = {}
    if request.content_type == "application/json":
        body = await request.json()
        return dict(body) if isinstance(body, dict) else params
    form = await request.post()
    for name, value in form.items():
        if isinstance(value, web.FileField):
            params[name] = _Upload(value.filename, value.file.read())
        elif name in RAW_FIELDS:
            params[name] = value
        else:
            try:
                params[name] = json.loads(value)
            except ValueError:
                params[name] = value
    return params


def _error(status: int, description: str, **parameters: Any) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


def _fault(request: web.Request, fault: _Pending) -> web.StreamResponse:
    if fault.fault == "retry_after":
        return _error(429, f"Too Many Requests: retry after {fault.retry_after}", retry_after=fault.retry_after)
    if fault.fault == "forbidden":
        return _error(403, "Forbidden: bot was blocked by the user")
    if request.transport is not None:
        request.transport.abort()
    return web.Response(status=500)


class Person:
    """Someone in a private chat with the bot: sends updates and waits until the bot has fully handled them.

    `queue` is the bot's update queue (Application.update_queue); after a restart, point it at the new one.
    """

    def __init__(self, fake: FakeTelegram, queue: asyncio.Queue[object], chat_id: int = 4242,
                 language_code: str = "en") -> None:
        self.fake = fake
        self.queue = queue
        self.chat_id = chat_id
        self.language_code = language_code

    async def handled(self, update_id: int, timeout: float = 5.0) -> None:
        await self.fake.fetched(update_id, timeout)
        async with asyncio.timeout(timeout):
            await self.queue.join()

    async def _do(self, update: dict[str, Any]) -> list[Sent]:
        before = len(self.fake.messages)
        await self.handled(self.fake.push(update))
        return [m for m in self.fake.messages[before:] if m.chat_id == self.chat_id]

    async def send(self, text: str) -> list[Sent]:
        """Send a text; return the new messages the bot sent to this chat."""
        return await self._do(self.fake.text_update(self.chat_id, text, language_code=self.language_code))

    async def press(self, label: str) -> list[Sent]:
        """Press the newest button whose label contains `label` (case-insensitive)."""
        for sent in reversed(self.fake.sent_to(self.chat_id)):
            matches = sorted((b for b in sent.buttons if label.lower() in b[0].lower()), key=lambda b: len(b[0]))
            if matches:
                return await self.press_data(matches[0][1], sent.message_id)
        raise AssertionError(f"no button like {label!r} in this chat")

    async def press_data(self, data: str, message_id: int) -> list[Sent]:
        update = self.fake.callback_update(self.chat_id, data, message_id, language_code=self.language_code)
        return await self._do(update)

    async def consent(self, language: str = "English") -> None:
        """/start, a language, "I agree", no notes: the shortest way in."""
        await self.send("/start")
        await self.press(language)
        await self.press("agree")
        await self.press("No notes")

    @property
    def chat(self) -> list[Sent]:
        return self.fake.sent_to(self.chat_id)

    @property
    def last(self) -> Sent:
        return self.chat[-1]
