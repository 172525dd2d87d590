from __future__ import annotations

import pytest

from bot.app import Services
from tests.helpers import Chat, person_rows

pytestmark = pytest.mark.both_engines


async def test_crisis_words_show_the_help_card_at_once_whatever_is_running(chat: Chat) -> None:
    await chat.consent(keep_notes=True)
    await chat.send("/checkin")
    await chat.press("Very low")
    await chat.send("i think my friend took an overdose")
    assert "emergency" in chat.text
    assert "naloxone" in chat.text


async def test_crisis_words_work_before_consent_and_store_nothing(services: Services, chat: Chat) -> None:
    await chat.send("I want to die")
    assert "emergency" in chat.text
    assert person_rows(services.settings.database_path) == 0


async def test_unknown_command_gets_a_kind_answer_and_the_menu(chat: Chat) -> None:
    await chat.consent()
    replies = await chat.send("/frobnicate")
    assert "don't know that command" in replies[0].text
    assert replies[0].choices


async def test_text_outside_a_conversation_gets_the_menu(chat: Chat) -> None:
    await chat.consent()
    replies = await chat.send("hello?")
    assert "didn't catch that" in replies[0].text
    assert any(c.key == "menu:checkin" for c in replies[0].choices)


async def test_unknown_and_malformed_choices_change_nothing(services: Services, chat: Chat) -> None:
    await chat.consent()
    for junk in ("", ":", "nope:1", "menu:../x", "checkin:mood:9", "start:lang:xx", "language:set:zz",
                 "privacy:notes:maybe", "x" * 5000):
        await chat.press_key(junk)
        assert chat.replies and chat.replies[0].text
        assert "something went wrong" not in chat.text, junk  # an internal error is not an answer
        assert "no longer works" in chat.text or "couldn't use that" in chat.text, (junk, chat.text)
        assert chat.replies[-1].choices  # and the menu to go on with
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None and contact.language == "en" and not contact.keep_notes


async def test_words_work_as_commands_without_a_slash(chat: Chat) -> None:
    await chat.consent()
    await chat.send("checkin")
    assert len(chat.choices) == 5


async def test_help_shows_what_the_bot_is_not(chat: Chat) -> None:
    await chat.send("/help")
    assert "not a crisis service" in chat.text


async def test_language_change_is_remembered(services: Services, chat: Chat) -> None:
    await chat.consent()
    await chat.send("/language")
    assert chat.choices[0].label == "English"
    await chat.press("Français")
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None and contact.language == "fr"
    await chat.send("/help")
    assert services.library.help_text("fr", "card") in chat.text  # and the next answer is in French
