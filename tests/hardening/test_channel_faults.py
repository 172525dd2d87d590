"""The channel failing at random (429s, 5xx, timeouts, blocks) while follow-ups go out: nobody is lost."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bot.app import build_services
from bot.core.clock import FakeClock
from bot.core.outbound import Outgoing, RetryLater, Unreachable
from bot.core.proactive.followups import followup_tick
from bot.core.proactive.render import Renderers
from bot.scheduling.dispatcher import Dispatcher
from tests.helpers import rows
from tests.outbox import facilitator, member, new_cohort, plan_settings, utc

pytestmark = pytest.mark.both_engines

MEMBERS = 40
BLOCKED = {"person-3", "person-17"}


@dataclass
class ChaoticSender:
    """Telegram on a bad day: a third of sends fail for a passing reason, two people have blocked the bot."""

    seed: int
    channel: str = "console"
    delivered: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.random = random.Random(self.seed)

    async def send(self, outgoing: Outgoing) -> str | None:
        if outgoing.address.id in BLOCKED:
            raise Unreachable("403: bot was blocked by the user")
        roll = self.random.random()
        if roll < 0.12:
            raise RetryLater("429: too many requests", retry_after=self.random.randint(1, 30))
        if roll < 0.22:
            raise RetryLater("502: bad gateway")
        if roll < 0.30:
            raise RetryLater("timed out")
        self.delivered.append((outgoing.address.id, outgoing.replies[0].text.splitlines()[0]))
        return f"m{len(self.delivered)}"


async def test_every_reachable_member_gets_each_follow_up_exactly_once(tmp_path: Path, engine: str) -> None:
    clock = FakeClock(utc("2026-01-14T08:00:00+00:00"))
    services = await build_services(plan_settings(tmp_path, engine), clock)
    try:
        code = await new_cohort(await facilitator(services))
        for n in range(MEMBERS):
            clock.advance(seconds=5)
            await member(services, code, f"person-{n}")
        sender = ChaoticSender(seed=7)
        dispatcher = Dispatcher(services.store, Renderers(services.store, services.library),
                                {sender.channel: sender}, clock)
        steps = services.library.base.followups.steps
        for _ in range(12 * 24):  # twelve days, hour by hour
            await followup_tick(services.store, steps, clock.now())
            await dispatcher.drain()
            clock.advance(hours=1)
    finally:
        await services.close()

    per_person: dict[str, list[str]] = {}
    for person, first_line in sender.delivered:
        per_person.setdefault(person, []).append(first_line)
    reachable = {f"person-{n}" for n in range(MEMBERS)} - BLOCKED
    assert set(per_person) == reachable
    assert all(len(lines) == 3 == len(set(lines)) for lines in per_person.values())
    db = tmp_path / "companion.db"
    assert rows(db, "SELECT COUNT(*) FROM deliveries WHERE status IN ('pending', 'sending')") == [(0,)]
    assert rows(db, "SELECT COUNT(*) FROM contacts WHERE status = 'blocked'") == [(2,)]
