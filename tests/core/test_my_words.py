"""Read my own words: /mydata → "My notes" shows a person's check-in notes and reflection answers in the chat,
newest first, a page at a time; the export file reads like words, not database codes."""

from __future__ import annotations

import json

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.messages import Reply
from tests.helpers import Chat

pytestmark = pytest.mark.both_engines


async def _good_thing(chat: Chat, first: str | None, second: str | None) -> None:
    """Do "A good thing, and why": answer or skip its two questions."""
    await chat.open_exercise("Self", "A good thing")
    await chat.press("Next")
    for answer in (first, second):
        if answer is None:
            await chat.press("Skip")
        else:
            await chat.send(answer)
    await chat.press("Next")


def _export(replies: list[Reply]) -> dict[str, list[dict[str, object]]]:
    document = next(reply.document for reply in replies if reply.document is not None)
    return json.loads(document.data)  # type: ignore[no-any-return]


async def test_my_notes_shows_my_own_words_newest_first_with_skips_marked(services: Services, chat: Chat,
                                                                         clock: FakeClock) -> None:
    await chat.consent(keep_notes=True)
    await chat.send("/checkin")
    await chat.press("Low")
    await chat.send("tired after the clinic")
    clock.advance(hours=2)
    await _good_thing(chat, "a long talk with my sister", None)

    await chat.send("/mydata")
    await chat.press("My notes")
    shown = chat.text
    assert "tired after the clinic" in shown and "Low" in shown
    assert "a long talk with my sister" in shown
    assert "What was it? → “a long talk with my sister”" in shown
    assert "→ (skipped)" in shown
    assert shown.index("a long talk with my sister") < shown.index("tired after the clinic")  # newest first

    stored = services.store
    contact = await stored.contacts.find(chat.address)
    assert contact is not None
    done = await stored.completions.for_contact(contact.id)
    assert done[0].answers == ["a long talk with my sister", None]  # a skip is stored as null, not as a word


async def test_my_notes_pages_through_many_entries(services: Services, chat: Chat, clock: FakeClock) -> None:
    await chat.consent(keep_notes=True)
    for day in range(7):
        clock.advance(days=1)
        await chat.send("/checkin")
        await chat.press("Okay")
        await chat.send(f"note of day {day}")
    await chat.send("/mydata")
    await chat.press("My notes")
    assert "page 1 of 2" in chat.text
    assert "note of day 6" in chat.text and "note of day 2" in chat.text and "note of day 1" not in chat.text
    await chat.press("Older")
    assert "page 2 of 2" in chat.text
    assert "note of day 1" in chat.text and "note of day 0" in chat.text and "note of day 6" not in chat.text
    await chat.press("Newer")
    assert "note of day 6" in chat.text


async def test_my_notes_when_there_are_none_says_how_to_keep_them(services: Services, chat: Chat) -> None:
    await chat.consent(keep_notes=False)
    await chat.send("/mydata")
    await chat.press("My notes")
    assert "no notes yet" in chat.text and "Keep my notes" in chat.text


async def test_the_export_reads_like_words(services: Services, chat: Chat) -> None:
    await chat.consent(keep_notes=True)
    await chat.send("/remind")
    await chat.press("Time zone")
    await chat.send("Africa/Nairobi")
    await chat.send("/remind")
    await chat.press("Set a time")
    await chat.send("19:30")
    await chat.send("/checkin")
    await chat.press("Low")
    await chat.send("a \"quoted\" word")
    await _good_thing(chat, "a kind word", None)

    replies = await chat.send("/mydata")
    raw = next(reply.document for reply in replies if reply.document is not None).data.decode()
    data = _export(replies)
    assert '\\"' not in raw.replace('a \\"quoted\\" word', "")  # no JSON inside a JSON string
    checkin = data["checkins"][0]
    assert checkin["mood"] == "Low"
    assert checkin["note"] == 'a "quoted" word'
    assert str(checkin["at"]).endswith("(Africa/Nairobi)")
    reminder = data["reminder_settings"][0]
    assert reminder["reminder_time"] == "19:30" and reminder["quiet_start"] == "22:00"
    reflection = data["completions"][0]
    assert reflection["exercise"] == "A good thing, and why"
    assert reflection["answers"] == [{"question": "What was it?", "answer": "a kind word"},
                                     {"question": "Why did it happen? Which of your qualities made it possible: care, "
                                                  "humour, know-how, patience?", "skipped": True}]
    assert "(skipped)" not in raw and "at_minute" not in raw
