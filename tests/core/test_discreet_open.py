"""Discreet mode: every proactive message is a plain "Hi 👋" with one button, and pressing Open shows what that
greeting stood for (the follow-up, the reminder, the notice, the broadcast, the check-on question, the peer's
ask), never the main menu. Nothing but the greeting reaches the lock screen, and nobody else can open it."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Services
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.core.outbound import Outgoing
from bot.core.peers import SupportMessages
from bot.core.proactive.checkon import CheckOnMessages, checkon_tick
from bot.core.proactive.reminders import reminder_tick
from bot.scheduling.dispatcher import Dispatcher
from tests.broadcasting import report, write
from tests.helpers import Chat, rows
from tests.outbox import FakeSender, dispatcher, facilitator, member, new_cohort, plan_settings, remind, utc
from tests.peers import Person, ask_for_peer, group, volunteer

pytestmark = pytest.mark.both_engines

GREETING = "Hi 👋"


@pytest.fixture
def settings(tmp_path: Path, engine: str, settings: Settings) -> Settings:
    """The usual settings (either engine), with the small three-step follow-up plan."""
    planned = plan_settings(tmp_path)
    return settings.model_copy(update={"content_dir": planned.content_dir})


async def discreet(chat: Chat) -> None:
    """Turn on plain messages the way a person does: /hide, then "Yes, plain only"."""
    await chat.send("/hide")
    await chat.press("plain only")
    assert "just say hello" in chat.text


def greeting_to(sender: FakeSender, chat: Chat) -> Outgoing:
    """The one proactive message this person got: a bare greeting with a bare "Open" (all a lock screen shows)."""
    mine = [item for item in sender.sent if item.address == chat.address]
    assert mine, f"{chat.address.id} received nothing"
    last = mine[-1]
    assert [reply.text for reply in last.replies] == [GREETING]
    assert [choice.label for choice in last.replies[0].choices] == ["Open"]
    return last


def post(services: Services, sender: FakeSender) -> Dispatcher:
    """The outbox as the running bot has it: every kind of message has its renderer."""
    sending = dispatcher(services, sender)
    SupportMessages(services.store, services.library).register(sending.renderers)
    CheckOnMessages(services.store, services.library).register(sending.renderers)
    return sending


async def open_(chat: Chat, greeting: Outgoing) -> str:
    chat.choices = greeting.replies[0].choices
    await chat.press("Open")
    return chat.text


async def test_open_on_a_follow_up_shows_the_follow_up_and_its_exercise(services: Services, clock: FakeClock) -> None:
    code = await new_cohort(await facilitator(services))
    ana = await member(services, code)
    await discreet(ana)
    sender = FakeSender()
    clock.set(utc("2026-01-16T07:00:00+00:00"))  # 10:00 in Nairobi, the day after the workshop
    await post(services, sender).drain()
    greeting = greeting_to(sender, ana)
    clock.advance(days=1, hours=2)  # opened the next day: still what it stood for
    opened = await open_(ana, greeting)
    assert "A small moment for you today 🌱 How are you doing since the workshop?" in opened
    await ana.press("Start it now")
    assert "Here and now" in ana.text


async def test_open_on_a_reminder_shows_the_reminder(services: Services, clock: FakeClock) -> None:
    ana = Chat(services.engine, "ana")
    await ana.consent()
    await remind(ana, "Time zone", "Lagos")
    await ana.press("Set a time")
    await ana.press("20:00")
    await discreet(ana)
    sender = FakeSender()
    clock.set(utc("2026-01-15T19:00:00+00:00"))
    await reminder_tick(services.store, clock.now())
    await post(services, sender).drain()
    greeting = greeting_to(sender, ana)
    clock.advance(minutes=40)
    opened = await open_(ana, greeting)
    assert "Your moment for today is here 🌱" in opened
    await ana.press("Check in")
    assert "How are you" in ana.text


async def test_open_on_a_notice_shows_the_notice(services: Services, clock: FakeClock) -> None:
    ana, bo = Chat(services.engine, "ana"), Chat(services.engine, "bo")
    await ana.consent()
    await bo.consent()
    await discreet(ana)
    await ana.send("/checkon")
    await ana.press("2 days quiet")
    await ana.send("Sunny")
    code = next(word for word in ana.text.split() if word.startswith("BD-"))
    await bo.send(f"/buddy {code}")
    await bo.press("Yes")
    sender = FakeSender()
    await post(services, sender).drain()
    opened = await open_(ana, greeting_to(sender, ana))
    assert "Your buddy said yes" in opened


async def test_open_on_a_broadcast_shows_the_facilitators_words_after_it_went_out(services: Services,
                                                                                  clock: FakeClock) -> None:
    fay = await facilitator(services)
    code = await new_cohort(fay)
    ana = await member(services, code)
    await member(services, code, "bob")
    await discreet(ana)
    await discreet(fay)
    await write(fay, "Network meeting on Friday at 6 🌼")
    await fay.press("Send now")
    sender = FakeSender()
    await post(services, sender).drain()
    assert sender.texts("bob") == ["A message from your group 📬\n\nNetwork meeting on Friday at 6 🌼"]
    greeting = greeting_to(sender, ana)
    assert await report(services) == 1  # every copy went: the broadcast is closed
    await post(services, sender).drain()
    fay_report = greeting_to(sender, fay)  # the facilitator's report is a notice with figures
    clock.advance(hours=5)
    assert "Network meeting on Friday at 6 🌼" in await open_(ana, greeting)
    assert "Received: 2" in await open_(fay, fay_report)
    db = services.settings.database_path
    assert rows(db, "SELECT status FROM broadcasts WHERE text IS NOT NULL") == [("done",)]  # kept to be opened
    clock.advance(days=8)
    await report(services)
    assert rows(db, "SELECT status FROM broadcasts WHERE text IS NOT NULL") == []  # …for a week, then forgotten
    assert "no longer here" in await open_(ana, greeting)


async def test_open_on_a_volunteers_ask_shows_the_request_and_its_answers(services: Services) -> None:
    g = await group(services)
    kito = await volunteer(g, "vol-5519", "Kito")
    await discreet(kito)
    rumi = await g.member("req-7731")
    await ask_for_peer(rumi)
    sender = FakeSender()
    await post(services, sender).drain()
    opened = await open_(kito, greeting_to(sender, kito))
    assert "Rumi" in opened and "A rough week" in opened
    await kito.press("Yes")
    assert "Rumi" in kito.text


async def test_someone_else_cannot_open_a_greeting_that_was_not_theirs(services: Services) -> None:
    code = await new_cohort(await facilitator(services))
    ana = await member(services, code)
    await discreet(ana)
    await ana.send("/checkon")
    await ana.press("2 days quiet")
    await ana.send("Sunny")
    bo = Person(services, "bo")
    await bo.consent()
    await bo.send(f"/buddy {next(w for w in ana.text.split() if w.startswith('BD-'))}")
    await bo.press("Yes")
    sender = FakeSender()
    await post(services, sender).drain()
    key = greeting_to(sender, ana).replies[0].choices[0].key
    await bo.press_key(key)
    assert "buddy said yes" not in bo.text and "no longer here" in bo.text


async def test_open_on_the_check_on_question_shows_it_with_its_answers(services: Services, clock: FakeClock) -> None:
    ana, bo = Chat(services.engine, "ana"), Chat(services.engine, "bo")
    await ana.consent()
    await bo.consent()
    await ana.send("/checkon")
    await ana.press("2 days quiet")
    await ana.send("Sunny")
    await bo.send(f"/buddy {next(w for w in ana.text.split() if w.startswith('BD-'))}")
    await bo.press("Yes")
    await discreet(ana)
    sender = FakeSender()
    await post(services, sender).drain()
    clock.advance(days=2)
    await checkon_tick(services.store, clock.now())
    await post(services, sender).drain()
    opened = await open_(ana, greeting_to(sender, ana))
    assert "Are you okay?" in opened
    await ana.press("I'm okay")
    assert "Glad to hear it" in ana.text
    assert "no longer here" in await open_(ana, greeting_to(sender, ana))  # answered already: nothing to show


async def test_open_on_a_match_shows_who_said_yes(services: Services) -> None:
    g = await group(services)
    kito = await volunteer(g, "vol-5519", "Kito")
    rumi = await g.member("req-7731")
    await discreet(rumi)
    await ask_for_peer(rumi)
    sender = FakeSender()
    await post(services, sender).drain()
    kito.choices = next(i for i in reversed(sender.sent) if i.address == kito.address).replies[0].choices
    await kito.press("Yes")
    await post(services, sender).drain()
    opened = await open_(rumi, greeting_to(sender, rumi))
    assert "Kito" in opened
