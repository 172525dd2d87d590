from __future__ import annotations

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from tests.helpers import Chat

pytestmark = pytest.mark.both_engines

PNG = b"\x89PNG\r\n\x1a\n"


async def test_mood_with_no_checkins_invites_one_without_a_chart(chat: Chat) -> None:
    await chat.consent()
    replies = await chat.send("/mood")
    assert "No check-ins" in replies[0].text
    assert replies[0].image is None


async def test_mood_chart_covers_the_last_30_days(services: Services, clock: FakeClock) -> None:
    chat = Chat(services.engine)
    await chat.consent()
    for mood in ("Low", "Okay", "Good", "Good"):
        await chat.send("/checkin")
        await chat.press(mood)
        clock.advance(days=1)
    clock.advance(days=40)
    await chat.send("/checkin")
    await chat.press("Okay")
    replies = await chat.send("/mood")
    assert "checked in once, on 1 day." in replies[0].text
    assert replies[0].image is not None and replies[0].image.png.startswith(PNG)


async def test_mood_summary_names_the_most_common_answer(services: Services, clock: FakeClock) -> None:
    chat = Chat(services.engine)
    await chat.consent()
    for mood in ("Low", "Good", "Good"):
        await chat.send("/checkin")
        await chat.press(mood)
        clock.advance(hours=30)
    replies = await chat.send("/mood")
    assert "checked in 3 times, on 3 days" in replies[0].text
    assert "most common answer: Good" in replies[0].text


async def test_journey_comes_with_a_picture(chat: Chat) -> None:
    await chat.consent()
    replies = await chat.send("/journey")
    assert replies[0].image is not None and replies[0].image.png.startswith(PNG)


async def test_a_tie_between_moods_says_so(services: Services, clock: FakeClock) -> None:
    """Two answers given equally often are both named (the lighter first), not one picked at random."""
    chat = Chat(services.engine)
    await chat.consent()
    for mood in ("Low", "Good", "Low", "Good", "Okay"):
        await chat.send("/checkin")
        await chat.press(mood)
        clock.advance(hours=30)
    replies = await chat.send("/mood")
    assert "checked in 5 times, on 5 days" in replies[0].text
    assert "most common answers came up equally often: Good and Low." in replies[0].text

