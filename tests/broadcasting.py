"""Builders for broadcast and stats tests: crowds of members, a rate-limited fake Sender, a FakeClock pace."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.messages import Address
from bot.core.outbound import Outgoing, RetryLater
from bot.core.proactive.broadcasts import broadcast_tick
from bot.scheduling.pace import Pace
from tests.helpers import Chat
from tests.outbox import FakeSender, facilitator, member, new_cohort


async def crowd(services: Services, cohort_id: int, count: int, prefix: str = "p") -> list[int]:
    """`count` consented people who joined the cohort (straight into the store: hundreds stay fast)."""
    now = services.clock.now()
    ids = []
    for n in range(count):
        contact = await services.store.contacts.create(Address("console", f"{prefix}{n}"), "en", "UTC", now)
        await services.store.cohorts.join(cohort_id, contact.id, now)
        ids.append(contact.id)
    return ids


async def write(fay: Chat, text: str, *cohorts: str) -> None:
    """Open /broadcast, choose the cohorts (when there is a choice), and type the message."""
    await fay.send("/broadcast")
    for name in cohorts:
        await fay.press(name)
    if cohorts:
        await fay.press("Next")
    await fay.send(text)


async def scheduled(services: Services, when: str, zone: str = "UTC") -> Chat:
    """Fay, her cohort with Ana in it, and a broadcast whose time she typed as `when` (on the cohort's clock)."""
    fay = await facilitator(services)
    code = await new_cohort(fay, zone=zone)
    await member(services, code)
    await write(fay, "See you on 1 November")
    await fay.press("Choose a time")
    await fay.send(when)
    return fay


@dataclass
class RateLimitedSender(FakeSender):
    """A platform that answers 429 (RetryLater, retry_after 1 s) past `per_second` sends in one FakeClock second."""

    clock: FakeClock = field(default_factory=FakeClock)
    per_second: int = 25
    times: list[datetime] = field(default_factory=list)
    refused: int = 0

    async def send(self, outgoing: Outgoing) -> str | None:
        now = self.clock.now()
        if sum(1 for t in self.times if now - t < timedelta(seconds=1)) >= self.per_second:
            self.refused += 1
            raise RetryLater("429 Too Many Requests", retry_after=1)
        self.times.append(now)
        return await super().send(outgoing)

    def busiest_second(self) -> int:
        """The most sends that fell within any one second."""
        return max((sum(1 for t in self.times if timedelta(0) <= t - start < timedelta(seconds=1))
                    for start in self.times), default=0)


def copies(sender: FakeSender, kind: str = "broadcast") -> Counter[str]:
    """How many messages of a kind each address received."""
    return Counter(item.address.id for item in sender.sent if item.kind == kind)


def fake_sleep(clock: FakeClock) -> Callable[[float], Awaitable[None]]:
    """A sleep that moves the FakeClock instead of waiting."""

    async def sleep(seconds: float) -> None:
        # Whole microseconds (the clock keeps microseconds), at least one: a wait rounded to nothing never ends.
        if seconds > 0:
            clock.set(clock.now() + timedelta(microseconds=max(round(seconds * 1_000_000), 1)))
        await asyncio.sleep(0)

    return sleep


def fake_pace(clock: FakeClock, per_second: float, *, outbox_per_second: float | None = None,
              ceiling: int | None = None) -> Pace:
    """A Pace whose waiting moves the FakeClock instead of sleeping."""
    return Pace(per_second, ceiling=ceiling, outbox_per_second=outbox_per_second,
                now=lambda: clock.now().timestamp(), sleep=fake_sleep(clock))


async def report(services: Services) -> int:
    return await broadcast_tick(services.store, services.clock.now())
