"""Proactive messages out through the Bot API, with Telegram's failures turned into the outbox's terms."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.channels.telegram.render import Bot, Signer, deliver
from bot.core import callbacks
from bot.core.messages import Address
from bot.core.outbound import DeliveryError, Outgoing, RetryLater, Unreachable

CHANNEL = "telegram"


def retry_after_seconds(exc: RetryAfter) -> float:
    """Seconds to wait, read without PTB's warning about the attribute's future type."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def signer(key: bytes, address: Address) -> Signer:
    return lambda choice_key: callbacks.sign(key, address, choice_key)


class TelegramSender:
    """The Sender the outbox dispatcher calls; it never retries by itself."""

    channel = CHANNEL
    keeps_message_ids = True  # /hide can delete what was sent, so the dispatcher keeps the ids (48 h)

    def __init__(self, bot: Bot, callback_key: bytes) -> None:
        self.bot = bot
        self.callback_key = callback_key

    async def send(self, outgoing: Outgoing) -> str | None:
        address = outgoing.address
        if not address.id.lstrip("-").isdigit():
            raise Unreachable("not a Telegram chat id")
        try:
            message = await deliver(self.bot, int(address.id), outgoing.replies,
                                    signer(self.callback_key, address), silent=outgoing.silent)
        except Forbidden as exc:
            raise Unreachable("the person blocked the bot") from exc
        except RetryAfter as exc:
            raise RetryLater("flood control", retry_after_seconds(exc)) from exc
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise Unreachable("the chat no longer exists") from exc
            raise DeliveryError(f"the Bot API refused the message ({type(exc).__name__})") from exc
        except NetworkError as exc:
            raise RetryLater(f"network error ({type(exc).__name__})") from exc
        except TelegramError as exc:
            raise DeliveryError(f"the Bot API failed ({type(exc).__name__})") from exc
        return str(message.message_id) if message is not None else None
