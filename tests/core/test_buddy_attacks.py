"""'Check on me', quick hide and moving a journey, attacked: forged presses, a buddy who harasses, a person who
said /stop, a link accepted too late, discreet mode on a shared phone, guessed codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import Services, build_scheduling
from bot.core.clock import FakeClock
from bot.core.proactive.checkon import CheckOnMessages, checkon_tick
from bot.core.proactive.render import Renderers
from bot.scheduling.dispatcher import Dispatcher
from tests.core.test_checkon import pair
from tests.helpers import Chat, rows
from tests.outbox import FakeSender
from tests.peers import Person, scene

pytestmark = pytest.mark.both_engines

MONDAY_9 = datetime(2026, 1, 12, 9, 0, tzinfo=UTC)


def outbox(services: Services) -> tuple[Dispatcher, FakeSender]:
    sender = FakeSender()
    renderers = Renderers(services.store, services.library)
    CheckOnMessages(services.store, services.library).register(renderers)
    return Dispatcher(services.store, renderers, {"console": sender}, services.clock), sender


async def run(services: Services, dispatcher: Dispatcher) -> None:
    await checkon_tick(services.store, services.clock.now())
    await dispatcher.drain()


async def row_of(services: Services, chat: Chat) -> int:
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None
    buddy = await services.store.checkon.of(contact.id)
    assert buddy is not None
    return buddy.id


async def test_a_buddy_cannot_flood_the_person_with_forged_reach_presses(services: Services,
                                                                         clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    ana, bo = await pair(services)
    await run(services, dispatcher)
    before = len(sender.texts("ana"))
    row = await row_of(services, ana)
    for _ in range(5):  # no nudge was ever sent: the press is forged
        await bo.press_key(f"checkon:reach:{row}")
        clock.advance(minutes=1)
    await run(services, dispatcher)
    assert len(sender.texts("ana")) == before

    clock.advance(days=2)
    await run(services, dispatcher)  # ana is asked
    rule = await services.store.checkon.rule((await services.store.contacts.find(ana.address)).id)  # type: ignore[union-attr]
    assert rule is not None and rule.deadline is not None
    clock.set(rule.deadline)
    await run(services, dispatcher)  # bo is nudged
    before = len(sender.texts("ana"))
    for _ in range(5):
        await bo.press_key(f"checkon:reach:{row}")
        clock.advance(minutes=1)
    await run(services, dispatcher)
    assert len(sender.texts("ana")) == before + 1  # told once per nudge


async def test_forged_presses_by_a_stranger_change_nothing(services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    ana, _bo = await pair(services)
    await run(services, dispatcher)
    row = await row_of(services, ana)
    cy = Chat(services.engine, "cy")
    await cy.consent()
    for forged in (f"checkon:leave:{row}", f"checkon:reach:{row}", "checkon:accept", "checkon:now",
                   "checkon:rule:99999999999999999999:0", "checkon:reach:-1", "move:code:x"):
        await cy.press_key(forged)
    await run(services, dispatcher)
    assert await services.store.checkon.get(row) is not None
    assert sender.texts("cy") == []
    assert len(sender.texts("ana")) == 1  # only "your buddy said yes"


async def test_no_nudge_after_the_person_said_stop_during_the_countdown(services: Services,
                                                                        clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    ana, _bo = await pair(services)
    clock.advance(days=2)
    await run(services, dispatcher)
    assert "Are you okay?" in sender.texts("ana")[-1]
    await ana.send("/stop")
    clock.advance(days=1)
    await run(services, dispatcher)
    await run(services, dispatcher)
    assert sender.texts("bo") == []
    await ana.send("/start")  # back a day later: the old countdown does not go off at once
    await run(services, dispatcher)
    assert sender.texts("bo") == []


async def test_no_nudge_reaches_a_buddy_who_said_stop(services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    _ana, bo = await pair(services)
    await bo.send("/stop")
    clock.advance(days=5)
    await run(services, dispatcher)
    await run(services, dispatcher)
    assert sender.texts("bo") == []


async def test_a_link_opened_in_time_cannot_be_accepted_after_it_expired(services: Services,
                                                                         clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    ana, bo = Chat(services.engine, "ana"), Chat(services.engine, "bo")
    await ana.consent()
    await bo.consent()
    await ana.send("/checkon")
    await ana.press("2 days quiet")
    await ana.send("Sunny")
    code = next(word for word in ana.text.split() if word.startswith("BD-"))
    await bo.send(f"/buddy {code}")
    clock.advance(days=8)
    await bo.press("Yes")
    assert "doesn't work any more" in bo.text
    buddy = await services.store.checkon.of((await services.store.contacts.find(ana.address)).id)  # type: ignore[union-attr]
    assert buddy is not None and not buddy.accepted


async def test_discreet_mode_hides_the_question_and_the_nudge(services: Services, clock: FakeClock) -> None:
    """On a shared phone, the lock screen must not say that the person has a buddy, nor whose buddy someone is."""
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    ana, bo = await pair(services)
    for chat in (ana, bo):
        await services.store.contacts.update((await services.store.contacts.find(chat.address)).id,  # type: ignore[union-attr]
                                             discreet=True)
    clock.advance(days=2)
    await run(services, dispatcher)
    ask = sender.sent[-1]
    assert ask.address.id == "ana" and ask.replies[0].text == "Hi 👋"
    ana.choices = ask.replies[0].choices
    rule = await services.store.checkon.rule((await services.store.contacts.find(ana.address)).id)  # type: ignore[union-attr]
    assert rule is not None and rule.deadline is not None
    clock.set(rule.deadline)
    await run(services, dispatcher)
    nudge = sender.sent[-1]
    assert nudge.address.id == "bo" and nudge.replies[0].text == "Hi 👋"
    bo.choices = nudge.replies[0].choices
    await bo.press("Open")
    assert "Sunny has been quiet for a while" in bo.text  # opened in the chat, it says what it is about
    await bo.press("I'll reach out")
    assert "let them know" in bo.text


async def test_a_reported_person_cannot_shed_the_block_by_moving_to_a_new_number(services: Services) -> None:
    """A /report block names the reported person by their address's hash: a move must carry it along."""
    s = await scene(services, accept=True)
    post, kito, rumi = s.post, s.kito, s.rumi
    await kito.send("/report")
    await kito.send("They threatened me")
    await kito.press("Keep it anonymous")
    await post.deliver()
    before = sum("Someone would like" in text for text in post.texts(kito))

    await rumi.send("/mydata")
    await rumi.press("Move my journey")
    code = next(word for word in rumi.text.split() if word.count("-") == 2 and len(word) == 14)
    moved = Person(services, "req-new-number")
    await moved.send(f"/restore {code}")
    assert "Your journey is here now" in moved.text
    old = services.store.contacts.lookup_key(rumi.address)
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM support_shields WHERE other = ?", old) \
        == [(0,)]  # no row names the old address any more

    await moved.send("/support")
    await moved.press("Talk to a peer")
    await moved.send("Rumi")
    assert "no peer supporter is free right now" in "\n".join(r.text for r in moved.seen)
    await post.deliver()
    assert sum("Someone would like" in text for text in post.texts(kito)) == before


async def test_hide_message_ids_are_gone_after_48_hours_by_the_scheduler(services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    ana = Chat(services.engine, "ana")
    await ana.consent()
    contact = await services.store.contacts.find(ana.address)
    assert contact is not None
    await services.store.recent.add(contact.id, ["101", "102"], clock.now())
    scheduling = build_scheduling(services, {"console": FakeSender()})
    clock.advance(hours=47)
    await scheduling.checkon()
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM recent_messages") == [(2,)]
    clock.advance(hours=1, seconds=1)
    await scheduling.checkon()
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM recent_messages") == [(0,)]


async def test_restore_answers_the_same_for_a_wrong_an_expired_and_a_used_code(services: Services,
                                                                             clock: FakeClock) -> None:
    """Nothing tells a guesser that a code exists (or existed)."""
    ana = Chat(services.engine, "ana")
    await ana.consent()
    await ana.send("/mydata")
    await ana.press("Move my journey")
    code = next(word for word in ana.text.split() if word.count("-") == 2 and len(word) == 14)
    wrong = Chat(services.engine, "guess-1")
    await wrong.send("/restore ZZZZ-ZZZZ-ZZZZ")
    clock.advance(days=8)
    late = Chat(services.engine, "guess-2")
    await late.send(f"/restore {code}")
    assert late.replies == wrong.replies
    for who in (wrong, late):
        assert await services.store.contacts.find(who.address) is None


async def test_an_opened_buddy_link_is_not_kept_in_the_clear_anywhere(services: Services) -> None:
    """The link code is kept only as a keyed hash: not even in the state of someone who opened it and waits."""
    ana, bo = Chat(services.engine, "ana"), Chat(services.engine, "bo")
    await ana.consent()
    await bo.consent()
    await ana.send("/checkon")
    await ana.press("2 days quiet")
    await ana.send("Sunny")
    code = next(word for word in ana.text.split() if word.startswith("BD-"))
    await bo.send(f"/buddy {code}")
    conversation = await services.store.conversations.get(
        (await services.store.contacts.find(bo.address)).id)  # type: ignore[union-attr]
    assert conversation.state == "checkon.accept"
    assert code not in repr(conversation.data) and code.replace("-", "") not in repr(conversation.data)
    await bo.press("Yes")
    assert "You're Sunny's buddy now" in bo.text


async def test_discreet_mode_keeps_a_peers_relayed_words_off_the_lock_screen(services: Services) -> None:
    s = await scene(services, accept=True)
    post, kito, rumi = s.post, s.kito, s.rumi
    await services.store.contacts.update(await rumi.contact_id(), discreet=True)
    await kito.send("Meet me at the clinic on Main Street")
    await post.deliver()
    sent = next(o for o in reversed(post.sender.sent) if o.address == rumi.address)
    assert [r.text for r in sent.replies] == ["Hi 👋"]
    opened = sent.replies[0].choices[0].key
    stranger = Person(services, "stranger")
    await stranger.consent()
    await stranger.press_key(opened)  # someone else's message id: nothing
    assert "Main Street" not in stranger.text and "no longer here" in stranger.text
    rumi.choices = sent.replies[0].choices
    await rumi.press("Open")
    assert "Meet me at the clinic on Main Street" in rumi.text  # in the open chat, the words are there
