"""'Check on me' while the person is already talking with a peer supporter: nobody else is sent to reach out.

A live conversation through the bot means the person is not quiet and someone is with them: the rule does not
ask, a countdown that runs out during the conversation starts again instead of nudging the buddy, a nudge
waiting for the buddy's morning is dropped, and with a peer-supporter rule no second supporter is asked. Once
the conversation is over the rule works as before."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import Services
from bot.core.clock import FakeClock
from bot.scheduling.dispatcher import Dispatcher
from tests.core.test_checkon_peer import asked, outbox, peer_rule, run
from tests.outbox import FakeSender
from tests.peers import Group, Person, ask_for_peer, group, volunteer

MONDAY_9 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)
ARE_YOU_OKAY = "Are you okay?"
NUDGE = "Sunny has been quiet for a while"


async def with_buddy(services: Services, g: Group) -> tuple[Person, Person]:
    """Ana, a member of the group, sets "2 days quiet" and Bo accepts to be her buddy."""
    ana, bo = await g.member("ana"), Person(services, "bo")
    await bo.consent()
    await ana.send("/checkon")
    await ana.press("2 days quiet")
    await ana.send("Sunny")
    await bo.send(f"/buddy {next(word for word in ana.text.split() if word.startswith('BD-'))}")
    await bo.press("Yes")
    return ana, bo


async def talking_with(kito: Person, ana: Person, sender: FakeSender, dispatcher: Dispatcher) -> None:
    """Ana asks for a peer through /support and Kito says yes: they talk through the bot."""
    await ask_for_peer(ana)
    await dispatcher.drain()
    mine = [item for item in sender.sent if item.address == kito.address]
    kito.choices = mine[-1].replies[0].choices
    await kito.press("Yes")
    await ana.send("Thank you for being here")
    await dispatcher.drain()
    assert "Thank you for being here" in sender.texts("vol-5519")[-1]


def okay_questions(sender: FakeSender) -> int:
    return sum(ARE_YOU_OKAY in text for text in sender.texts("ana"))


async def test_no_question_and_no_nudge_while_the_person_talks_with_a_peer(services: Services,
                                                                           clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    g = await group(services)
    kito = await volunteer(g, "vol-5519", "Kito")
    ana, _bo = await with_buddy(services, g)
    await talking_with(kito, ana, sender, dispatcher)
    for _ in range(4):  # two days and more without a check-in, but in a live conversation
        clock.advance(hours=14)
        await run(services, dispatcher)
        await ana.send("Still here, talking")
    assert okay_questions(sender) == 0 and sender.texts("bo") == []

    await ana.send("/end")
    clock.advance(hours=1)
    await run(services, dispatcher)  # the conversation is over: the rule counts again, and asks Ana first
    assert okay_questions(sender) == 1 and sender.texts("bo") == []


async def test_a_countdown_that_runs_out_during_a_conversation_starts_again(services: Services,
                                                                            clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    g = await group(services)
    kito = await volunteer(g, "vol-5519", "Kito")
    ana, _bo = await with_buddy(services, g)
    clock.advance(days=2)
    await run(services, dispatcher)
    assert okay_questions(sender) == 1  # asked, and instead of answering she reaches out for a peer
    await talking_with(kito, ana, sender, dispatcher)
    rule = await services.store.checkon.rule(await ana.contact_id())
    assert rule is not None and rule.deadline is not None
    clock.set(rule.deadline)
    await run(services, dispatcher)
    await run(services, dispatcher)
    assert not any(NUDGE in text for text in sender.texts("bo"))
    rule = await services.store.checkon.rule(await ana.contact_id())
    assert rule is not None and str(rule.state) == "watching" and rule.since == clock.now()


async def test_a_nudge_waiting_for_the_buddys_morning_is_dropped_once_a_peer_is_with_them(
        services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    g = await group(services)
    kito = await volunteer(g, "vol-5519", "Kito")
    ana, bo = await with_buddy(services, g)
    await services.store.contacts.update(await bo.contact_id(), timezone="America/Los_Angeles")  # UTC-8
    clock.advance(days=2)
    await run(services, dispatcher)
    rule = await services.store.checkon.rule(await ana.contact_id())
    assert rule is not None and rule.deadline is not None
    assert rule.deadline.replace(second=0) == datetime(2026, 1, 15, 6, 1, tzinfo=UTC)  # 22:01 for Bo
    clock.set(rule.deadline)
    await run(services, dispatcher)
    assert sender.texts("bo") == []  # the nudge waits for Bo's morning
    await talking_with(kito, ana, sender, dispatcher)  # meanwhile Ana talks with Kito
    clock.set(datetime(2026, 1, 15, 15, 5, tzinfo=UTC))  # 07:05 for Bo
    await run(services, dispatcher)
    assert sender.texts("bo") == []


async def test_no_second_supporter_is_asked_while_one_is_talking_with_the_person(services: Services,
                                                                                  clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    g = await group(services)
    kito = await volunteer(g, "vol-5519", "Kito")
    await volunteer(g, "vol-6620", "Lena", detail="@lena_peer")
    ana = await peer_rule(g)
    await talking_with(kito, ana, sender, dispatcher)
    for _ in range(5):
        clock.advance(hours=14)
        await run(services, dispatcher)
        await ana.send("Still here, talking")
    assert okay_questions(sender) == 0
    assert asked(sender, "vol-6620") == [] and asked(sender, "vol-5519") == []
