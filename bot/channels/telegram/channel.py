"""The Telegram channel: a PTB Application whose updates become Incomings and whose Replies become messages.

Long polling by default; with TELEGRAM_WEBHOOK_URL set, Telegram pushes updates to /telegram/webhook on the
shared web server instead (PTB's custom-webhook pattern: no Updater, updates go straight to the queue).
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Callable, Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute
from telegram import CallbackQuery, Message, Update, User
from telegram.constants import ChatType
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import Application, BaseRateLimiter, CallbackQueryHandler, ContextTypes, MessageHandler, filters

from bot.channels.telegram.commands import publish_commands
from bot.channels.telegram.limiter import Budgeted, SharedLimiter
from bot.channels.telegram.render import deliver, keyboard, not_sent, parts
from bot.channels.telegram.sender import CHANNEL, TelegramSender, signer
from bot.channels.telegram.webhook import webhook_route
from bot.config import Settings
from bot.core import callbacks
from bot.core.messages import Address, Incoming, Reply
from bot.core.outbound import Sender
from bot.errors import ConfigError
from bot.scheduling.pace import CHANNEL_CEILINGS, CHANNEL_RATES, PAID_BROADCAST_RATE, Pace

if TYPE_CHECKING:
    from bot.app import Services

log = logging.getLogger(__name__)

TelegramApp = Application[Any, Any, Any, Any, Any, Any]
Context = ContextTypes.DEFAULT_TYPE

ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
CONCURRENT_UPDATES = 32  # the engine serialises each person's updates; different people run side by side
REPLY_ATTEMPTS = 3  # someone is waiting: ride out a 429 or a failed connection twice before giving up
REPLY_BUDGET = Budgeted(urgent=True, retries=REPLY_ATTEMPTS - 1)
BOOTSTRAP_RETRIES = 3
# Sends go one at a time through the budget, so a few connections carry them all. PTB's default pool of 256
# is not free: httpx checks every pooled connection on every request, which under a burst cost more CPU than
# the engine. A request that finds no free connection waits up to POOL_TIMEOUT and is then retried (it never
# left). The long poll has a pool of its own.
CONNECTION_POOL = 8
POOL_TIMEOUT = 10.0
# A pause after each long poll: a lone message is still fetched at once (the long poll returns with it), but
# in a burst each getUpdates brings several updates instead of one, which saves the CPU of most of those calls.
POLL_INTERVAL = 0.1


def file_url(base_url: str) -> str:
    """Bot API servers serve files under /file/bot<token> beside /bot<token>."""
    head, separator, tail = base_url.rstrip("/").rpartition("/")
    return f"{head}/file/{tail}" if separator else base_url


def language_hint(user: User | None) -> str | None:
    """The person's app language ('pt-br' → 'pt'), a hint until they choose one."""
    code = user.language_code if user is not None else None
    return code.split("-", 1)[0].lower() if code else None


def _has_button(message: Message, data: str | None) -> bool:
    """Is the pressed button still on the message (so its answer may take the message's place)?"""
    markup = message.reply_markup
    rows = markup.inline_keyboard if markup is not None else ()
    return data is not None and any(button.callback_data == data for row in rows for button in row)


def chat_address(chat_id: int) -> Address:
    return Address(CHANNEL, str(chat_id))


def telegram_pace(settings: Settings) -> Pace:
    """The channel's one budget: replies and the outbox share it; paid broadcasts give the outbox its own."""
    paid = PAID_BROADCAST_RATE if settings.telegram_paid_broadcast else None
    return Pace(CHANNEL_RATES["telegram"], ceiling=CHANNEL_CEILINGS["telegram"], outbox_per_second=paid)


def build_application(settings: Settings, rate_limiter: BaseRateLimiter[Any] | None = None, *,
                      pace: Pace | None = None, on_limited: Callable[[], None] | None = None) -> TelegramApp:
    """A PTB Application from settings: token, Bot API URL, the shared budget as its rate limiter, no job queue
    (we schedule)."""
    if settings.telegram_bot_token is None:
        raise ConfigError("TELEGRAM_BOT_TOKEN: not set")
    limiter = rate_limiter or SharedLimiter(pace or telegram_pace(settings), on_limited)
    builder = (
        Application.builder()
        .token(settings.telegram_bot_token.get_secret_value())
        .rate_limiter(limiter)
        .connection_pool_size(CONNECTION_POOL)
        .pool_timeout(POOL_TIMEOUT)
        .concurrent_updates(CONCURRENT_UPDATES)
        .job_queue(None)
    )
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url).base_file_url(file_url(settings.telegram_base_url))
    if settings.telegram_webhook_url:
        builder = builder.updater(None)
    return builder.build()


def _polling_failed(exc: TelegramError) -> None:
    """PTB retries polling with growing pauses after this; just say so, without the details."""
    log.warning("polling the Bot API failed (%s); retrying", type(exc).__name__)


class TelegramChannel:
    name = CHANNEL

    def __init__(self, services: Services, *, rate_limiter: BaseRateLimiter[Any] | None = None,
                 pace: Pace | None = None) -> None:
        """`pace` is the budget shared with the outbox; `rate_limiter` replaces it (benchmarks lift the ceiling)."""
        self.engine = services.engine
        self.store = services.store
        self.library = services.library
        self.webhook_url = services.settings.telegram_webhook_url
        self.pace: Pace | None = None if rate_limiter else pace or telegram_pace(services.settings)
        self.application = build_application(services.settings, rate_limiter, pace=self.pace,
                                             on_limited=services.metrics.rate_limited.labels(CHANNEL).inc)
        self.bot = self.application.bot
        self.sender: Sender = TelegramSender(self.bot, self.store.vault.callback_key,
                                             paid_broadcast=services.settings.telegram_paid_broadcast)
        self._add_handlers()

    def _add_handlers(self) -> None:
        app = self.application
        message = filters.UpdateType.MESSAGE  # not edits: an edited message must not act twice
        app.add_handler(CallbackQueryHandler(self._on_callback))
        app.add_handler(MessageHandler(message & filters.ChatType.PRIVATE & filters.TEXT, self._on_text))
        app.add_handler(MessageHandler(message & filters.ChatType.PRIVATE, self._on_other))
        app.add_handler(MessageHandler(message & filters.ChatType.GROUPS & filters.COMMAND, self._on_group))
        app.add_error_handler(self._on_error)

    def routes(self) -> list[BaseRoute]:
        if not self.webhook_url:
            return []
        return [webhook_route(self.application, self.store.vault.webhook_secret)]

    async def start(self) -> None:
        app = self.application
        try:
            await app.initialize()
        except InvalidToken:
            raise ConfigError("TELEGRAM_BOT_TOKEN: the Bot API does not accept this token") from None
        except NetworkError as exc:
            raise ConfigError(f"TELEGRAM_BASE_URL: cannot reach the Bot API ({type(exc).__name__})") from None
        self.engine.bot_username = self.bot.username  # for cohort deep links: t.me/<username>?start=CODE
        self.engine.deleting_channels.add(self.name)  # /hide can delete this chat's recent messages
        await publish_commands(self.bot, self.engine)
        if self.webhook_url:
            try:
                await self.bot.set_webhook(self.webhook_url, secret_token=self.store.vault.webhook_secret,
                                           allowed_updates=ALLOWED_UPDATES)
            except TelegramError as exc:
                raise ConfigError(f"TELEGRAM_WEBHOOK_URL: Telegram refused it ({exc.message})") from None
        elif app.updater is not None:
            await app.updater.start_polling(allowed_updates=ALLOWED_UPDATES, bootstrap_retries=BOOTSTRAP_RETRIES,
                                            error_callback=_polling_failed, poll_interval=POLL_INTERVAL)
        await app.start()
        log.info("telegram channel running (%s)", "webhook" if self.webhook_url else "long polling")

    @property
    def ready(self) -> bool:
        """Connected: the Bot API accepted the token and updates are being taken."""
        return self.application.running

    async def stop_updates(self) -> None:
        """Stop fetching updates (a shutdown's first step); sending still works until stop()."""
        app = self.application
        if app.updater is not None and app.updater.running:
            await app.updater.stop()

    async def stop(self) -> None:
        app = self.application
        await self.stop_updates()
        if app.running:
            await app.stop()
        await app.shutdown()
        await self.bot.shutdown()  # closes the HTTP client even when start() failed half-way

    async def _on_text(self, update: Update, context: Context) -> None:
        message = update.effective_message
        if message is None or message.text is None:
            return
        address = chat_address(message.chat_id)
        incoming = Incoming.from_text(address, message.text, language_hint(message.from_user))
        incoming.extras["message_id"] = str(message.message_id)
        await self._reply(address, await self.engine.handle(incoming), [incoming.extras["message_id"]])

    async def _on_other(self, update: Update, context: Context) -> None:
        """Stickers, photos, voice notes: we read text only, and keep nothing of what was sent."""
        message = update.effective_message
        if message is None:
            return
        address = chat_address(message.chat_id)
        text = await self._text_for(address, language_hint(message.from_user), "telegram.only_text")
        await self._reply(address, [Reply(text)])

    async def _on_group(self, update: Update, context: Context) -> None:
        """Groups get one polite line and nothing is stored: the companion talks one to one."""
        message = update.effective_message
        if message is None:
            return
        language = language_hint(message.from_user)
        language = language if self.library.supports(language) else self.engine.default_language
        text = self.library.text(language or self.engine.default_language, "telegram.private_only")
        await self._reply(chat_address(message.chat_id), [Reply(text)])

    async def _on_callback(self, update: Update, context: Context) -> None:
        query = update.callback_query
        if query is None:
            return
        chat = query.message.chat if query.message is not None else None
        if chat is None or chat.type != ChatType.PRIVATE or chat.id != query.from_user.id:
            await self._answer(query)  # a private chat's buttons are its owner's alone
            return
        address = chat_address(chat.id)
        hint = language_hint(query.from_user)
        key = callbacks.verify(self.store.vault.callback_key, address, query.data or "")
        if key is None:
            log.info("ignored a button press whose data does not verify")
            await self._answer(query, await self._text_for(address, hint, "telegram.button_expired"))
            return
        # The press is answered at once, beside the work: it stops the spinner and uses no message budget.
        answering = asyncio.create_task(self._answer(query))
        try:
            replies = await self.engine.handle(Incoming.pressed(address, key, hint))
        finally:
            await answering
        pressed = [str(query.message.message_id)] if query.message is not None else []
        if not await self._edit_in_place(query, address, key, replies):
            await self._clear_keyboard(query)
            await self._reply(address, replies, pressed)
        else:
            await self.engine.remember_messages(address, pressed)

    async def _reply(self, address: Address, replies: Sequence[Reply], seen: Sequence[str] = ()) -> None:
        """Send the replies; keep the ids of what was seen and sent for /hide."""
        gone = {message for reply in replies for message in reply.delete}
        sent: list[str] = [message for message in seen if message not in gone]
        try:
            await deliver(self.bot, int(address.id), replies, signer(self.store.vault.callback_key, address),
                          attempts=REPLY_ATTEMPTS, sent=sent)
        except Forbidden:
            await self._mark_blocked(address)
        await self.engine.remember_messages(address, sent)

    async def _answer(self, query: CallbackQuery, text: str | None = None) -> None:
        """Every press is answered, or the person's app shows a spinner."""
        try:
            await self.bot.answer_callback_query(query.id, text)
        except TelegramError as exc:
            log.info("could not answer a button press (%s)", type(exc).__name__)

    async def _edit_in_place(self, query: CallbackQuery, address: Address, key: str, replies: Sequence[Reply]) -> bool:
        """Replace the pressed message with the next step when the answer is one plain text that fits."""
        message = query.message
        if len(replies) != 1 or not replies[0].in_place or not isinstance(message, Message):
            return False
        if not _has_button(message, query.data):  # a press on a message that moved on: answer below it
            return False
        calls = parts(replies[0])
        if message.text is None or len(calls) != 1 or calls[0].kind != "text":
            return False
        markup = keyboard(replies[0].choices, signer(self.store.vault.callback_key, address))
        try:
            await self.bot.edit_message_text(calls[0].text, chat_id=message.chat_id, message_id=message.message_id,
                                             reply_markup=markup, rate_limit_args=REPLY_BUDGET)
        except Forbidden:
            await self._mark_blocked(address)
        except NetworkError as exc:
            if isinstance(exc, BadRequest) or not_sent(exc):
                log.info("could not edit a step in place (%s); sending it instead", type(exc).__name__)
                return False
            log.info("an edit in place got no answer (%s); it may have gone, so nothing is sent again",
                     type(exc).__name__)
        except TelegramError as exc:
            log.info("could not edit a step in place (%s); sending it instead", type(exc).__name__)
            return False
        return True

    async def _clear_keyboard(self, query: CallbackQuery) -> None:
        """Take the buttons off a pressed message so old choices do not linger in the chat."""
        message = query.message
        if not isinstance(message, Message) or message.reply_markup is None:
            return
        with suppress(TelegramError):
            await self.bot.edit_message_reply_markup(chat_id=message.chat_id, message_id=message.message_id,
                                                     reply_markup=None, rate_limit_args=REPLY_BUDGET)

    async def _text_for(self, address: Address, hint: str | None, key: str) -> str:
        return self.library.text(await self.engine.language_of(address, hint), key)

    async def _mark_blocked(self, address: Address) -> None:
        """403: the person blocked the bot. Nothing proactive goes to them until they write again."""
        await self.engine.mark_blocked(address)
        log.info("a reply was refused with 403; the contact is marked blocked")

    async def _on_error(self, update: object, context: Context) -> None:
        """The one error handler at the edge: the kind of update and of error, never text or ids."""
        error = context.error
        kind = "callback" if isinstance(update, Update) and update.callback_query else "message"
        frames = "".join(traceback.format_tb(error.__traceback__)) if error is not None else ""
        log.error("failed while handling a Telegram %s update: %s\n%s", kind, type(error).__name__, frames)
