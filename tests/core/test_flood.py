from __future__ import annotations

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from tests.helpers import Chat

pytestmark = pytest.mark.both_engines


async def test_a_flood_gets_one_notice_then_silence_then_service_again(services: Services, clock: FakeClock) -> None:
    chat = Chat(services.engine)
    await chat.consent()
    answered = []
    for _ in range(40):
        answered.append(await chat.send("hello"))
        clock.advance(seconds=1)
    notices = [r for r in answered if r and "pause" in r[0].text]
    assert len(notices) == 1
    assert answered[-1] == []
    clock.advance(minutes=3)
    replies = await chat.send("/menu")
    assert replies and replies[0].choices


async def test_a_flood_from_one_person_does_not_silence_another(services: Services) -> None:
    ana, ben = Chat(services.engine, "ana"), Chat(services.engine, "ben")
    for _ in range(35):
        await ana.send("/help")
    assert await ben.send("/help")


async def test_stop_and_crisis_words_get_through_a_flood(services: Services, clock: FakeClock) -> None:
    chat = Chat(services.engine)
    await chat.consent()
    for _ in range(40):
        await chat.send("hello")
    assert await chat.send("hello") == []
    replies = await chat.send("I want to die")
    assert "emergency" in " ".join(r.text for r in replies)
    replies = await chat.send("STOP")
    assert "won't send you any messages" in replies[0].text


async def test_crisis_words_cannot_flood_but_get_one_help_card_a_minute(services: Services, clock: FakeClock) -> None:
    chat = Chat(services.engine)
    await chat.consent()
    card = services.library.help_text("en", "suicide")
    for _ in range(40):
        await chat.send("hello")
    assert await chat.send("hello") == []  # flooded: quiet
    cards, answered = 0, 0
    for _ in range(60):  # a crisis word every second for a minute, while flooded
        replies = await chat.send("I want to die")
        answered += bool(replies)
        cards += sum(card in r.text for r in replies)
        clock.advance(seconds=1)
    assert cards == 1
    assert answered < 10  # the rest went through ordinary flood control
    clock.advance(minutes=3)
    replies = await chat.send("I want to die")
    assert any(card in r.text for r in replies)  # a minute later, the full card again
    replies = await chat.send("I want to die")
    assert "emergency" in " ".join(r.text for r in replies)  # within the minute: the short urgent line
    assert not any(card in r.text for r in replies)
