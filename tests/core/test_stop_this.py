"""'stop' (or 'cancel', in any language) typed in the middle of a step means "stop this", not "stop everything":
the step is cancelled as its Cancel button would cancel it, reminders stay on, and one line says how /stop ends
all messages. /stop itself, and STOP typed in capitals (the opt-out keyword), still stop everything."""

from __future__ import annotations

import pytest

from bot.app import Services
from tests.helpers import Chat, rows
from tests.outbox import facilitator, new_cohort

LANGUAGES = {"en": "English", "sw": "Kiswahili", "fr": "Français", "es": "Español", "pt": "Português"}


async def person(services: Services, name: str = "ana", language: str = "en") -> Chat:
    """A consented person (no notes) with a daily reminder at 20:00."""
    chat = Chat(services.engine, name)
    await chat.send("/start")
    await chat.press(LANGUAGES[language])
    await chat.press_key(next(c.key for c in chat.choices if c.means == "yes"))
    await chat.press_key(next(c.key for c in chat.choices if c.means == "no"))
    await chat.send("/remind")
    await chat.press_key("remind:time")
    await chat.press_key(f"remind:at:{20 * 60}")
    return chat


async def still_reminded(services: Services, chat: Chat) -> bool:
    """The person gets messages, their reminder is on and still planned."""
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None
    settings = await services.store.reminders.get(contact.id)
    return contact.status == "active" and settings.enabled and settings.next_at is not None


async def state(services: Services, chat: Chat) -> str | None:
    found = await services.store.find_person(chat.address)
    return found[1].state if found else None


def stop_line(services: Services, language: str = "en") -> str:
    return services.library.text(language, "typed.stop_all")


@pytest.mark.parametrize("word", ["stop", "Stop", "cancel", "never mind"])
async def test_stop_typed_while_writing_a_broadcast_cancels_it_as_the_cancel_button_would(
        services: Services, word: str) -> None:
    fay = await facilitator(services)
    await new_cohort(fay)
    await fay.send("/remind")
    await fay.press_key("remind:time")
    await fay.press_key(f"remind:at:{20 * 60}")
    await fay.send("/broadcast")
    assert "Cancel" in [c.label for c in fay.choices]
    await fay.send(word)
    assert fay.replies[-1].text == f"Nothing was sent.\n\n{stop_line(services)}"
    assert await state(services, fay) is None
    assert await still_reminded(services, fay)
    await fay.send("See you Friday")  # the broadcast was left: these words are not a message to anyone
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM broadcasts") == [(0,)]


async def test_stop_typed_at_the_preview_discards_the_draft(services: Services) -> None:
    fay = await facilitator(services)
    await new_cohort(fay)
    await fay.send("/broadcast")
    await fay.send("See you on Friday")
    assert "Send now" in fay.text or any("Send now" in c.label for c in fay.choices)
    await fay.send("stop")
    assert fay.replies[-1].text.startswith("Nothing was sent.")
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM broadcasts") == [(0,)]
    contact = await services.store.contacts.find(fay.address)
    assert contact is not None and contact.status == "active"


@pytest.mark.parametrize(("language", "word"), [
    ("en", "stop"), ("en", "cancel"), ("sw", "simamisha"), ("sw", "sitisha"), ("fr", "arrêter"), ("fr", "Stop"),
    ("fr", "annuler"), ("es", "parar"), ("es", "cancelar"), ("pt", "parar"), ("pt", "cancelar"),
])
async def test_stop_typed_in_the_middle_of_an_exercise_leaves_the_exercise_only(
        services: Services, language: str, word: str) -> None:
    chat = await person(services, language=language)
    await chat.send("/reflect")
    await chat.press_key(next(c.key for c in chat.choices if c.key.startswith("reflect:go:")))
    assert await state(services, chat) in ("reflect.step", "reflect.choose")
    await chat.send(word)
    assert chat.replies[-1].text == (f"{services.library.text(language, 'typed.left')}\n\n"
                                     f"{stop_line(services, language)}")
    assert "/stop" in chat.replies[-1].text
    assert await state(services, chat) is None
    assert await still_reminded(services, chat)
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM completions") == [(0,)]


async def test_cancel_typed_at_delete_everything_keeps_everything(services: Services) -> None:
    chat = await person(services)
    await chat.send("/forget")
    await chat.send("cancel")
    assert chat.replies[-1].text == f"Nothing was deleted.\n\n{stop_line(services)}"
    assert await still_reminded(services, chat)


async def test_stop_in_capitals_still_stops_everything_in_the_middle_of_a_step(services: Services) -> None:
    chat = await person(services)
    await chat.send("/reflect")
    await chat.send("STOP")
    assert "won't send you any messages" in chat.text
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None and contact.status == "stopped"


async def test_the_stop_command_still_stops_everything_in_the_middle_of_a_broadcast(services: Services) -> None:
    fay = await facilitator(services)
    await new_cohort(fay)
    await fay.send("/broadcast")
    await fay.send("/stop")
    assert "won't send you any messages" in fay.text
    contact = await services.store.contacts.find(fay.address)
    assert contact is not None and contact.status == "stopped"


async def test_stop_typed_outside_any_step_still_stops_all_messages(services: Services) -> None:
    chat = await person(services)
    assert await state(services, chat) is None
    await chat.send("stop")
    assert "won't send you any messages" in chat.text
    assert not await still_reminded(services, chat)
