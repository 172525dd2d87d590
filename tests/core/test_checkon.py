"""'Check on me' on a fake clock: the person is asked first; only if the countdown runs out (outside their quiet
hours) is the buddy nudged, once, with the chosen name only, never in the buddy's quiet hours, never after
either side left or forgot."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.app import Services
from bot.core.checkon import countdown_end
from bot.core.clock import FakeClock
from bot.core.proactive.checkon import CheckOnMessages, checkon_tick
from bot.core.proactive.render import Renderers
from bot.core.timing import DEFAULT_QUIET
from bot.scheduling.dispatcher import Dispatcher
from tests.helpers import Chat
from tests.outbox import FakeSender

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


async def pair(services: Services, rule: str = "2 days quiet", name: str = "Sunny") -> tuple[Chat, Chat]:
    """Ana sets a rule and invites Bo, who accepts."""
    ana, bo = Chat(services.engine, "ana"), Chat(services.engine, "bo")
    await ana.consent()
    await bo.consent()
    await ana.send("/checkon")
    await ana.press(rule)
    await ana.send(name)
    code = next(word for word in ana.text.split() if word.startswith("BD-"))
    await bo.send(f"/buddy {code}")
    assert f"{name} would like you as their check-in buddy" in bo.text
    await bo.press("Yes")
    assert "You're Sunny's buddy now" in bo.text
    return ana, bo


async def test_quiet_days_ask_first_and_im_okay_cancels(services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    ana, _ = await pair(services)
    await run(services, dispatcher)
    assert sender.texts("ana") == ["Good news 🤝 Your buddy said yes. /checkon shows your settings."]
    clock.advance(days=1, hours=23)
    await run(services, dispatcher)
    assert len(sender.sent) == 1  # not yet two days
    clock.advance(hours=1)
    await run(services, dispatcher)
    ask = sender.sent[-1]
    assert ask.address.id == "ana" and "Are you okay?" in ask.replies[0].text
    ana.choices = ask.replies[0].choices
    await ana.press("I'm okay")
    assert "Glad to hear it" in ana.text
    clock.advance(hours=20)
    await run(services, dispatcher)
    assert sender.texts("bo") == []  # the buddy never hears


async def test_no_answer_nudges_the_buddy_once_with_the_name_only(services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    ana, bo = await pair(services)
    await ana.send("/checkin")
    await ana.press("Very low")
    await ana.send("a private note")
    clock.advance(days=2)
    await run(services, dispatcher)
    assert "Are you okay?" in sender.texts("ana")[-1]
    rule = await services.store.checkon.rule((await services.store.contacts.find(ana.address)).id)  # type: ignore[union-attr]
    assert rule is not None and rule.deadline == countdown_end(clock.now(), DEFAULT_QUIET, "UTC")
    clock.set(rule.deadline)
    await run(services, dispatcher)
    await run(services, dispatcher)
    nudges = sender.texts("bo")
    assert len(nudges) == 1
    assert "Sunny has been quiet for a while" in nudges[0]
    for secret in ("Very low", "private note", "ana"):
        assert secret not in nudges[0]
    bo.choices = next(o for o in sender.sent if o.address.id == "bo").replies[0].choices
    await bo.press("I'll reach out")
    await run(services, dispatcher)
    assert "Your buddy says they'll reach out" in sender.texts("ana")[-1]


async def test_the_countdown_skips_the_persons_quiet_hours(services: Services) -> None:
    evening = datetime(2026, 1, 12, 21, 0, tzinfo=UTC)  # one waking hour left before 22:00
    end = countdown_end(evening, DEFAULT_QUIET, "UTC")
    assert end == datetime(2026, 1, 13, 18, 0, tzinfo=UTC)  # 1 h tonight + 11 h from 07:00


async def test_never_into_the_buddys_quiet_hours(services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    ana, bo = await pair(services)
    await services.store.contacts.update((await services.store.contacts.find(bo.address)).id,  # type: ignore[union-attr]
                                         timezone="Asia/Tokyo")  # UTC+9
    await run(services, dispatcher)
    clock.advance(days=2)
    await run(services, dispatcher)
    rule = await services.store.checkon.rule((await services.store.contacts.find(ana.address)).id)  # type: ignore[union-attr]
    assert rule is not None and rule.deadline == datetime(2026, 1, 14, 21, 0, tzinfo=UTC)
    clock.set(rule.deadline)  # 06:00 in Tokyo: the buddy's quiet hours
    await run(services, dispatcher)
    assert sender.texts("bo") == []  # held until their morning
    clock.set(datetime(2026, 1, 14, 22, 1, tzinfo=UTC))  # 07:01 in Tokyo
    await run(services, dispatcher)
    assert len(sender.texts("bo")) == 1


async def test_after_the_buddy_forgets_nothing_fires(services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    _ana, bo = await pair(services)
    await bo.send("/forget")
    await bo.press("Yes, delete")
    clock.advance(days=5)
    await run(services, dispatcher)
    assert not any("Are you okay?" in t for t in sender.texts("ana"))


async def test_after_the_person_forgets_the_buddy_hears_nothing(services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    ana, _bo = await pair(services)
    clock.advance(days=2)
    await run(services, dispatcher)  # asking now
    await ana.send("/forget")
    await ana.press("Yes, delete")
    clock.advance(days=2)
    await run(services, dispatcher)
    assert not any("quiet for a while" in t for t in sender.texts("bo"))
    assert await services.store.db.fetchone("SELECT 1 FROM buddies") is None


async def test_a_low_streak_fires_and_tell_them_now_is_at_once(services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    ana, _ = await pair(services, rule="2 very low")
    for _ in range(2):
        await ana.send("/checkin")
        await ana.press("Very low")
        clock.advance(minutes=30)
    await run(services, dispatcher)
    ask = sender.sent[-1]
    assert "Are you okay?" in ask.replies[0].text
    ana.choices = ask.replies[0].choices
    await ana.press("Please tell them now")
    assert "I've let your buddy know" in ana.text
    await run(services, dispatcher)
    assert len(sender.texts("bo")) == 1


async def test_a_buddy_link_is_for_one_person_once(services: Services) -> None:
    ana, bo, cy = Chat(services.engine, "ana"), Chat(services.engine, "bo"), Chat(services.engine, "cy")
    for chat in (ana, bo, cy):
        await chat.consent()
    await ana.send("/checkon")
    await ana.press("2 days quiet")
    await ana.send("Sunny")
    code = next(word for word in ana.text.split() if word.startswith("BD-"))
    await ana.send(f"/buddy {code}")
    assert "your own buddy link" in ana.text
    await bo.send(f"/buddy {code}")
    await bo.press("Yes")
    await cy.send(f"/buddy {code}")
    assert "doesn't work any more" in cy.text
    await cy.press_key("checkon:accept")  # a forged press without having opened a link
    assert "earlier moment" in cy.text or "button" in cy.text.lower()


async def test_either_side_can_leave(services: Services, clock: FakeClock) -> None:
    clock.set(MONDAY_9)
    dispatcher, sender = outbox(services)
    _ana, bo = await pair(services)
    await bo.send("/checkon")
    assert "You are a check-in buddy for Sunny" in bo.text
    await bo.press("Stop being a buddy")
    await run(services, dispatcher)
    assert "stepped back" in sender.texts("ana")[-1]
    clock.advance(days=3)
    await run(services, dispatcher)
    assert not any("Are you okay?" in t for t in sender.texts("ana"))


async def test_the_buddy_link_survives_onboarding(services: Services) -> None:
    ana = Chat(services.engine, "ana")
    await ana.consent()
    await ana.send("/checkon")
    await ana.press("2 days quiet")
    await ana.send("Sunny")
    code = next(word for word in ana.text.split() if word.startswith("BD-"))
    newcomer = Chat(services.engine, "dee")
    await newcomer.send(f"/start {code}")  # the t.me deep link for someone new to the bot
    await newcomer.press("English")
    await newcomer.press("agree")
    assert "Sunny would like you as their check-in buddy" in newcomer.text
