"""Proactive messages out through the Bot API, with Telegram's failures turned into the outbox's terms."""

from __future__ import annotations

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.channels.telegram.limiter import retry_after_seconds
from bot.channels.telegram.render import Bot, Signer, deliver, not_sent
from bot.core import callbacks
from bot.core.messages import Address
from bot.core.outbound import DeliveryError, MaybeSent, Outgoing, RetryLater, Unreachable

CHANNEL = "telegram"

__all__ = ["CHANNEL", "TelegramSender", "retry_after_seconds", "signer"]


def signer(key: bytes, address: Address) -> Signer:
    return lambda choice_key: callbacks.sign(key, address, choice_key)


class TelegramSender:
    """The Sender the outbox dispatcher calls; it never retries by itself.

    Its calls draw on the channel's shared budget as proactive sends (the bot's SharedLimiter waits on it), so
    the dispatcher does not pace it again. With paid broadcasts on, each message says allow_paid_broadcast.
    """

    channel = CHANNEL
    keeps_message_ids = True  # /hide can delete what was sent, so the dispatcher keeps the ids (48 h)
    paces_itself = True

    def __init__(self, bot: Bot, callback_key: bytes, *, paid_broadcast: bool = False) -> None:
        self.bot = bot
        self.callback_key = callback_key
        self.paid_broadcast = paid_broadcast

    async def send(self, outgoing: Outgoing) -> str | None:
        address = outgoing.address
        if not address.id.lstrip("-").isdigit():
            raise Unreachable("not a Telegram chat id")
        try:
            message = await deliver(self.bot, int(address.id), outgoing.replies,
                                    signer(self.callback_key, address), silent=outgoing.silent,
                                    paid=self.paid_broadcast)
        except Forbidden as exc:
            raise Unreachable("the person blocked the bot") from exc
        except RetryAfter as exc:
            raise RetryLater("flood control", retry_after_seconds(exc)) from exc
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                raise Unreachable("the chat no longer exists") from exc
            raise DeliveryError(f"the Bot API refused the message ({type(exc).__name__})") from exc
        except NetworkError as exc:
            if not_sent(exc):
                raise RetryLater(f"network error ({type(exc).__name__})") from exc
            raise MaybeSent(f"no answer after the message went out ({type(exc).__name__})") from exc
        except TelegramError as exc:
            raise DeliveryError(f"the Bot API failed ({type(exc).__name__})") from exc
        return str(message.message_id) if message is not None else None
