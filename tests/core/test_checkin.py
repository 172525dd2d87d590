from __future__ import annotations

import pytest

from bot.app import Services
from tests.helpers import Chat, rows

pytestmark = pytest.mark.both_engines


async def test_checkin_offers_exactly_five_moods(chat: Chat) -> None:
    await chat.consent()
    replies = await chat.send("/checkin")
    assert len(replies) == 1
    assert len(replies[0].choices) == 5


async def test_mood_is_stored_without_note_when_notes_are_off(services: Services, chat: Chat) -> None:
    await chat.consent()
    await chat.send("/checkin")
    await chat.press("Good")
    assert "Thanks" in chat.text
    assert rows(services.settings.database_path, "SELECT mood, note FROM checkins") == [(4, None)]


@pytest.mark.sqlite_only  # reads the SQLite file's bytes
async def test_note_is_offered_and_kept_encrypted(services: Services, chat: Chat) -> None:
    await chat.consent(keep_notes=True)
    await chat.send("/checkin")
    await chat.press("Okay")
    assert "one word" in chat.text
    await chat.send("tired")
    assert "Saved" in chat.text
    checkins = await services.store.checkins.latest(1, 5)
    assert checkins[0].note == "tired"
    assert b"tired" not in services.settings.database_path.read_bytes()


async def test_two_low_checkins_in_a_row_offer_care_not_diagnosis(chat: Chat) -> None:
    await chat.consent()
    await chat.send("/checkin")
    await chat.press("Very low")
    assert "couple of check-ins" not in chat.text
    await chat.send("/checkin")
    await chat.press("Low")
    labels = [c.label for c in chat.choices]
    assert "couple of check-ins" in chat.text
    assert any("Ground" in label for label in labels)
    assert any("Help" in label for label in labels)


async def test_stale_mood_button_changes_nothing(services: Services, chat: Chat) -> None:
    await chat.consent()
    await chat.send("/checkin")
    await chat.press("Good")
    await chat.press_key("checkin:mood:1")
    assert "no longer works" in chat.text
    assert rows(services.settings.database_path, "SELECT mood FROM checkins") == [(4,)]
