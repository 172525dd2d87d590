"""PTB's rate limiter, replaced by the channel's one shared Pace: replies and the outbox draw on one budget.

Only calls that put or change a message in a chat count against Telegram's bot-wide limit (about 30 a
second); answering a button press, polling and start-up calls go at once. A reply someone is waiting for goes
before proactive sends (rate_limit_args says which); each call counts against Telegram's ceiling until a second
after its answer (see Pace.sending); a 429 holds the whole budget for its retry_after and is retried as many
times as the caller allows.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.scheduling.pace import Pace

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]
# Methods that do not count against the message budget.
FREE_PREFIXES = ("get", "set", "delete", "answer", "log", "close")


@dataclass(frozen=True, slots=True)
class Budgeted:
    """How one call draws on the budget: urgent (someone is waiting) or not, and how often a 429 is retried."""

    urgent: bool
    retries: int = 0


INTERACTIVE = Budgeted(urgent=True)
PROACTIVE = Budgeted(urgent=False)


def retry_after_seconds(exc: RetryAfter) -> float:
    """Seconds to wait, read without PTB's warning about the attribute's future type."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def counts(endpoint: str) -> bool:
    """Does this Bot API method put or change a message in a chat (and so use up the overall limit)?"""
    return not endpoint.startswith(FREE_PREFIXES)


class SharedLimiter(BaseRateLimiter[Budgeted]):
    """Waits on the shared Pace before each counted call; None lifts the ceiling (benchmarks of the engine)."""

    def __init__(self, pace: Pace | None, on_limited: Callable[[], None] | None = None) -> None:
        """`on_limited` hears of each 429 on a reply (the outbox counts its own)."""
        self.pace = pace
        self.on_limited = on_limited

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def process_request(self, callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
                              args: Any, kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
                              rate_limit_args: Budgeted | None) -> bool | JSONDict | list[JSONDict]:
        if self.pace is None or not counts(endpoint):
            return await callback(*args, **kwargs)
        how = rate_limit_args or INTERACTIVE
        retries = how.retries
        while True:
            try:
                async with self.pace.sending(how.urgent):
                    return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = retry_after_seconds(exc)
                self.pace.hold(seconds)
                if how.urgent and self.on_limited is not None:
                    self.on_limited()
                if retries <= 0:
                    raise
                retries -= 1
                log.info("Telegram asked to wait %.1fs; holding every send, then retrying", seconds)
