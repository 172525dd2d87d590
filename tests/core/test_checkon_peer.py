"""'Check on me' with an approved peer supporter from the person's groups instead of a buddy: asked only when
the countdown runs out, anonymously (the chosen name only), through the usual matching; they talk through the
bot only after the supporter says yes, and no contact detail ever moves."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.peers import SupportMessages
from bot.core.proactive.checkon import CheckOnMessages, checkon_tick
from bot.core.proactive.render import Renderers
from bot.scheduling.dispatcher import Dispatcher
from tests.outbox import FakeSender
from tests.peers import Group, Person, group, volunteer

pytestmark = pytest.mark.both_engines

MONDAY_9 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)


def outbox(services: Services) -> tuple[Dispatcher, FakeSender]:
    sender = FakeSender()
    renderers = Renderers(services.store, services.library)
    CheckOnMessages(services.store, services.library).register(renderers)
    SupportMessages(services.store, services.library).register(renderers)
    return Dispatcher(services.store, renderers, {"console": sender}, services.clock), sender


async def run(services: Services, dispatcher: Dispatcher) -> None:
    await checkon_tick(services.store, services.clock.now())
    await dispatcher.drain()


def asked(sender: FakeSender, who: str) -> list[str]:
    return [text for text in sender.texts(who) if "asked me to find a peer" in text]


async def peer_rule(g: Group, name: str = "ana") -> Person:
    ana = await g.member(name)
    await ana.send("/checkon")
    await ana.press("2 days quiet")
    await ana.press("A peer supporter")
    assert "What name should they see?" in ana.text
    await ana.send("Sunny")
    assert "reach out to Sunny" in ana.text
    await ana.send("/checkon")
    assert "a peer supporter from your group, who would see the name Sunny" in ana.text
    return ana


async def countdown_runs_out(services: Services, clock: FakeClock, dispatcher: Dispatcher, ana: Person) -> None:
    clock.advance(days=2)
    await run(services, dispatcher)
    rule = await services.store.checkon.rule(await ana.contact_id())
    assert rule is not None and rule.deadline is not None
    clock.set(rule.deadline)
    await run(services, dispatcher)


async def test_a_peer_is_asked_anonymously_and_they_talk_only_after_a_yes(services: Services,
                                                                          clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    g = await group(services)
    kito = await volunteer(g, "vol-5519", "Kito")
    ana = await peer_rule(g)
    await ana.send("/checkin")
    await ana.press("Very low")
    await ana.send("a private note")
    clock.advance(days=2)
    await run(services, dispatcher)
    assert "ask a peer supporter from your group" in sender.texts("ana")[-1]
    assert asked(sender, "vol-5519") == []  # nobody is asked while the person may still answer

    await countdown_runs_out(services, clock, dispatcher, ana)
    asks = asked(sender, "vol-5519")
    assert len(asks) == 1 and "Sunny asked me to find a peer" in asks[0]
    for secret in ("ana", "Very low", "private note", "Spring group"):
        assert secret not in asks[0]
    assert not any("Kito" in text for text in sender.texts("ana"))  # nothing about the supporter yet

    kito.choices = next(o for o in reversed(sender.sent) if o.address.id == "vol-5519").replies[0].choices
    await kito.press("Yes, I'll reach out")
    assert "You are now talking with Sunny through the bot" in kito.text
    await dispatcher.drain()
    assert "Someone said yes" in sender.texts("ana")[-1]
    await kito.send("Hi Sunny, how are you doing?")
    await dispatcher.drain()
    assert "Hi Sunny, how are you doing?" in sender.texts("ana")[-1]
    for text in sender.texts("ana") + sender.texts("vol-5519"):
        assert "@sam_peer" not in text and "vol-5519" not in text  # no contact detail moved either way


async def test_a_supporter_outside_the_persons_groups_is_never_asked(services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    theirs = await group(services, "fay-0002", "Other group")
    await volunteer(theirs, "vol-7777", "Lena")
    ana = await peer_rule(await group(services))
    await countdown_runs_out(services, clock, dispatcher, ana)
    assert asked(sender, "vol-7777") == []
    assert "No peer supporter was free" in sender.texts("ana")[-1]


async def test_im_okay_and_forget_mean_no_supporter_is_asked(services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    g = await group(services)
    await volunteer(g, "vol-5519", "Kito")
    ana = await peer_rule(g)
    clock.advance(days=2)
    await run(services, dispatcher)
    ana.choices = next(o for o in reversed(sender.sent) if o.address.id == "ana").replies[0].choices
    await ana.press("I'm okay")
    clock.advance(days=1)
    await run(services, dispatcher)
    assert asked(sender, "vol-5519") == []
    clock.advance(days=1)
    await run(services, dispatcher)  # asked again
    await ana.forget()
    clock.advance(days=2)
    await run(services, dispatcher)
    assert asked(sender, "vol-5519") == []


async def test_without_a_group_the_person_is_offered_a_buddy(services: Services) -> None:
    ana = Person(services, "ana")
    await ana.consent()
    await ana.send("/checkon")
    await ana.press("2 days quiet")
    await ana.press("A peer supporter")
    assert "you're not in one yet" in ana.text
    await ana.send("Sunny")
    assert "BD-" in ana.text  # the buddy link, as before
