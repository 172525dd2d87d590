"""The port through which proactive messages leave: the outbox dispatcher calls a channel's Sender.

Channels raise the errors below so the dispatcher can decide: stop for good, or try again later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.messages import Address, Reply
from bot.errors import CompanionError


class DeliveryError(CompanionError):
    """A proactive message could not be delivered."""


class Unreachable(DeliveryError):
    """The person blocked the bot or cannot be reached on this channel: never retry."""


class RetryLater(DeliveryError):
    """A transient failure (429, 5xx, network); retry after `retry_after` seconds when given."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class MaybeSent(DeliveryError):
    """The message went out but no answer came back (a timeout, a dropped connection): the platform may have
    delivered it. Never resend: a second copy would reach the person twice."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One proactive message for one person, with what a channel needs to send it discreetly."""

    address: Address
    language: str
    replies: tuple[Reply, ...]
    kind: str
    silent: bool = False
    last_seen_at: datetime | None = None


class Sender(Protocol):
    channel: str

    async def send(self, outgoing: Outgoing) -> str | None:
        """Deliver and return the platform's message id (if any), or raise Unreachable / RetryLater / MaybeSent."""
        ...
