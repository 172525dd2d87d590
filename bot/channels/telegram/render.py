"""Turn core Replies into Bot API calls within Telegram's limits, for replies and proactive messages alike."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, Literal, TypeVar

import httpx
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.error import NetworkError, TelegramError
from telegram.ext import ExtBot

from bot.channels.telegram.limiter import Budgeted
from bot.core.messages import Choice, Reply

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_BYTES = 64
FIRST_BACKOFF_SECONDS = 0.5
DELETE_BATCH = 100
BEFORE_CONSENT = 4  # /start, the welcome, the language and consent screens
PICTURE_NAME = "picture.png"

T = TypeVar("T")
Signer = Callable[[str], str]
Bot = ExtBot[Any]


def utf16_len(text: str) -> int:
    """Telegram counts message length in UTF-16 code units: an emoji outside the BMP counts twice."""
    return len(text.encode("utf-16-le")) // 2


def _fit(text: str, limit: int) -> int:
    """The longest prefix of text (in characters) that stays within limit UTF-16 units."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(text)


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split text into parts of at most limit units, at a paragraph, line or word break when there is one."""
    parts: list[str] = []
    rest = text.strip()
    while utf16_len(rest) > limit:
        cut = _fit(rest, limit)
        for separator in ("\n\n", "\n", " "):
            at = rest.rfind(separator, 0, cut)
            if at > 0:
                cut = at
                break
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def keyboard(choices: Sequence[Choice], sign: Signer) -> InlineKeyboardMarkup | None:
    """One button per row (labels stay whole on small phones); each carries signed callback data."""
    rows = []
    for choice in choices:
        data = sign(choice.key)
        if len(data.encode()) > MAX_CALLBACK_BYTES:
            log.error("choice key of %s bytes does not fit in callback data; button left out", len(choice.key))
            continue
        rows.append([InlineKeyboardButton(choice.label, callback_data=data)])
    return InlineKeyboardMarkup(rows) if rows else None


@dataclass(frozen=True, slots=True)
class Part:
    """One Bot API call: a text message, a photo or a document (with a caption)."""

    kind: Literal["text", "photo", "document"]
    text: str
    data: bytes = b""
    filename: str = ""


def parts(reply: Reply) -> list[Part]:
    """The calls for one Reply. A short text rides as the caption of its picture or file."""
    text = reply.text.strip()
    media: list[Part] = []
    if reply.image is not None:
        media.append(Part("photo", reply.image.caption.strip(), reply.image.png, PICTURE_NAME))
    if reply.document is not None:
        media.append(Part("document", "", reply.document.data, reply.document.filename))
    if media and not media[0].text and utf16_len(text) <= MAX_CAPTION:
        media[0], text = replace(media[0], text=text), ""
    calls = [Part("text", chunk) for chunk in split_text(text)]
    for item in media:
        head, *overflow = split_text(item.text, MAX_CAPTION) or [""]
        calls.append(replace(item, text=head))
        calls += [Part("text", chunk) for chunk in overflow]
    if not calls and reply.choices:
        calls.append(Part("text", "…"))
    return calls


async def send_part(bot: Bot, chat_id: int, part: Part, markup: InlineKeyboardMarkup | None, *,
                    silent: bool, budget: Budgeted, paid: bool = False) -> Message:
    caption = part.text or None
    common: dict[str, Any] = {"reply_markup": markup, "disable_notification": silent, "rate_limit_args": budget}
    if paid:
        common["allow_paid_broadcast"] = True
    if part.kind == "photo":
        return await bot.send_photo(chat_id, InputFile(part.data, filename=part.filename), caption=caption, **common)
    if part.kind == "document":
        return await bot.send_document(chat_id, InputFile(part.data, filename=part.filename), caption=caption,
                                       **common)
    return await bot.send_message(chat_id, part.text, **common)


# httpx errors raised before a single byte of the request left: the request provably did not reach Telegram.
UNSENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def not_sent(exc: NetworkError) -> bool:
    """True only when the request provably never reached Telegram (it could not connect).

    A read timeout or a connection dropped mid-answer may come after Telegram delivered the message: sending
    it again could show the person the same message twice.
    """
    return isinstance(exc.__cause__, UNSENT_ERRORS)


async def with_network_retries(call: Callable[[], Awaitable[T]], attempts: int) -> T:
    """Retry a call, with doubling pauses, only after network errors that prove the request never went out."""
    delay = FIRST_BACKOFF_SECONDS
    for _ in range(attempts - 1):
        try:
            return await call()
        except NetworkError as exc:
            if not not_sent(exc):
                raise
            log.info("could not reach the Bot API (%s); retrying in %.1fs", type(exc).__name__, delay)
            await asyncio.sleep(delay)
            delay *= 2
    return await call()


async def deliver(bot: Bot, chat_id: int, replies: Sequence[Reply], sign: Signer, *, silent: bool = False,
                  attempts: int = 1, paid: bool = False, sent: list[str] | None = None) -> Message | None:
    """Send every Reply in order, the keyboard on each Reply's last message; return the last message sent.

    `attempts` > 1 marks an interactive reply (someone is waiting): it goes before proactive sends in the shared
    budget and may wait out a 429 that many times; proactive sends use 1 and leave retrying to the outbox.
    `paid` sends with allow_paid_broadcast (proactive sends only, when TELEGRAM_PAID_BROADCAST is on).
    """
    budget = Budgeted(urgent=attempts > 1, retries=attempts - 1)
    last: Message | None = None
    for reply in replies:
        if reply.delete:
            await delete_messages(bot, chat_id, reply.delete)
        calls = parts(reply)
        for index, part in enumerate(calls):
            markup = keyboard(reply.choices, sign) if index == len(calls) - 1 else None
            send = partial(send_part, bot, chat_id, part, markup, silent=silent, budget=budget, paid=paid)
            last = await with_network_retries(send, attempts)
            if sent is not None:
                sent.append(str(last.message_id))
    return last


async def delete_messages(bot: Bot, chat_id: int, message_ids: Sequence[str]) -> None:
    """Delete messages in batches of 100 (the Bot API's limit); ones too old or already gone are skipped.

    The welcome screens come before consent, when no id may be kept; Telegram numbers a private chat's messages
    in order, so they are the few ids just below the first one kept.
    """
    ids = sorted({int(m) for m in message_ids if m.isdigit()}, reverse=True)
    if ids:
        ids += [i for i in range(ids[-1] - 1, max(ids[-1] - 1 - BEFORE_CONSENT, 0), -1)]
    for start in range(0, len(ids), DELETE_BATCH):
        try:
            await bot.delete_messages(chat_id, ids[start:start + DELETE_BATCH])
        except TelegramError as exc:
            log.info("could not delete some messages (%s)", type(exc).__name__)
