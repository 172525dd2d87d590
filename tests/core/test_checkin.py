from __future__ import annotations

import pytest

from bot.app import Services
from tests.helpers import Chat, rows, stored_bytes

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
    assert b"tired" not in stored_bytes(services.settings.database_path)


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


async def test_a_single_low_check_in_opens_doors_not_only_skip(chat: Chat) -> None:
    await chat.consent(keep_notes=True)
    await chat.send("/checkin")
    await chat.press("Low")
    keys = [c.key for c in chat.choices]
    assert "checkin:skip" in keys
    assert "menu:support" in keys and "help:card" in keys and "reflect:go:here-and-now" in keys
    await chat.press("Talk to a peer")
    assert "You don't have to carry this alone" in chat.text


async def test_a_single_very_low_check_in_without_notes_offers_grounding_a_peer_and_help(chat: Chat) -> None:
    await chat.consent()
    await chat.send("/checkin")
    await chat.press("Very low")
    keys = [c.key for c in chat.choices]
    assert keys[:3] == ["reflect:go:here-and-now", "menu:support", "help:card"]
    await chat.press("Ground myself")
    assert "1/" in chat.text  # the grounding exercise has begun


async def test_a_long_note_is_kept_and_the_shortening_said(services: Services, chat: Chat) -> None:
    """A note of a few sentences is kept whole; one past the limit is shortened, and the person is told."""
    from bot.storage.checkins import MAX_NOTE_CHARS
    await chat.consent(keep_notes=True)
    sentences = "Slept badly, but went for a walk with my sister and we talked about the old days. " * 3
    await chat.send("/checkin")
    await chat.press("Okay")
    await chat.send(sentences)
    assert "longer than" not in chat.text and "Saved" in chat.text
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None
    assert (await services.store.checkins.latest(contact.id, 1))[0].note == sentences.strip()
    await chat.send("/checkin")
    await chat.press("Okay")
    await chat.send("x" * (MAX_NOTE_CHARS + 50))
    assert f"longer than {MAX_NOTE_CHARS} characters" in chat.text and "Saved" in chat.text
    assert (await services.store.checkins.latest(contact.id, 1))[0].note == "x" * MAX_NOTE_CHARS
