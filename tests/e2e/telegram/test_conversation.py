"""Whole conversations through the real PTB Application, polling the fake Bot API server."""

from __future__ import annotations

import pytest

from bot.app import Services
from bot.channels.telegram import TelegramChannel
from bot.core import callbacks
from bot.core.features.cohorts import deep_link
from bot.core.messages import Address
from tests.e2e.fake_telegram import BOT_USERNAME, FakeTelegram, Person, Sent
from tests.helpers import person_rows, rows, stored_bytes

pytestmark = pytest.mark.both_engines


def keys(services: Services, person: Person, sent: Sent) -> list[str]:
    """The choice keys behind a message's buttons, checked the way the bot checks them."""
    address = Address("telegram", str(person.chat_id))
    found = [callbacks.verify(services.store.vault.callback_key, address, data) for _, data in sent.buttons]
    assert None not in found
    return [key for key in found if key is not None]


async def finish_reflection(services: Services, person: Person) -> None:
    """Answer each step the way it asks: Next, a first choice, or a typed answer."""
    for _ in range(12):
        if "Done" in person.last.text:
            return
        step_keys = keys(services, person, person.last)
        if any(key.startswith("reflect:next:") for key in step_keys):
            await person.press("Next")
        elif any(key.startswith("reflect:ans:") for key in step_keys):
            await person.press_data(person.last.buttons[0][1], person.last.message_id)
        else:
            await person.send("my own words")
    raise AssertionError("the reflection did not finish")


async def test_start_checkin_reflect_forget(services: Services, fake: FakeTelegram, person: Person) -> None:
    db = services.settings.database_path
    welcome = (await person.send("/start"))[0]
    assert welcome.buttons[0][0] == "English"
    privacy = (await person.press("English"))[0]
    assert "privacy" in privacy.text
    assert welcome.markup is None, "the pressed keyboard is taken away"
    assert person_rows(db) == 0
    thanks, notes = await person.press("agree")
    assert "Thank you" in thanks.text and notes.buttons
    await person.press("No notes")
    assert rows(db, "SELECT channel, status, keep_notes FROM contacts") == [("telegram", "active", 0)]

    checkin = (await person.send("/checkin"))
    assert len(checkin) == 1 and len(checkin[0].buttons) == 5
    assert await person.press("Good") == []
    assert checkin[0].edits == 1 and checkin[0].text.startswith("Good to hear"), "the answer takes its place"
    assert rows(db, "SELECT mood FROM checkins") == [(4,)]

    await person.send("/reflect")
    await person.press("Start")
    await finish_reflection(services, person)
    assert rows(db, "SELECT COUNT(*) FROM completions") == [(1,)]

    confirm = (await person.send("/forget"))[0]
    assert "cannot be undone" in confirm.text
    forgotten = (await person.press("Yes, delete"))[0]
    assert "Everything is deleted" in forgotten.text
    assert person_rows(db) == 0
    assert len(fake.calls_of("answerCallbackQuery")) == fake.callback_queries
    assert str(person.chat_id).encode() not in stored_bytes(db)


async def test_step_by_step_exercise_moves_on_in_place(services: Services, person: Person) -> None:
    await person.consent()
    await person.send("/reflect")
    await person.press("Start")
    step = person.last
    assert "Whose voice is that? · 1/4" in step.text  # the anti-stigma core comes first
    assert await person.press("Next") == []
    assert step.edits == 1 and "2/4" in step.text and step is person.last
    assert keys(services, person, step) == [f"reflect:ans:whose-voice:1:{n}" for n in range(5)]


async def test_a_pressed_keyboard_is_removed_when_the_answer_is_new_messages(person: Person) -> None:
    await person.consent()
    menu = person.last
    replies = await person.press("Check in")
    assert menu.markup is None and menu.edits == 1
    assert len(replies) == 1 and len(replies[0].buttons) == 5


async def test_a_mood_press_is_answered_in_the_questions_place(fake: FakeTelegram, person: Person) -> None:
    """One message-budget call per answer: the answer replaces the question (and its buttons) in one edit."""
    await person.consent()
    question = (await person.send("/checkin"))[0]
    before = len(fake.calls)
    assert await person.press("Okay") == []
    assert question is person.last and question.edits == 1
    assert question.text.startswith("Okay is okay") and question.buttons, "the answer and what next, one message"
    calls = sorted(c.method for c in fake.calls[before:] if c.method != "getUpdates")
    assert calls == ["answerCallbackQuery", "editMessageText"]


async def test_forged_callback_changes_nothing_and_is_answered(services: Services, fake: FakeTelegram,
                                                               person: Person) -> None:
    await person.consent()
    menu = person.last
    forged = callbacks.sign(b"not the bot's key" * 2, Address("telegram", str(person.chat_id)), "privacy:forget:yes")
    replies = await person.press_data(forged, menu.message_id)
    assert replies == []
    answer = fake.calls_of("answerCallbackQuery")[-1]
    assert "no longer works" in answer.params["text"]
    assert menu.markup is not None, "a forged press does not touch the message"
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM contacts") == [(1,)]


async def test_button_pressed_by_someone_else_is_refused(services: Services, fake: FakeTelegram,
                                                         person: Person) -> None:
    await person.consent()
    await person.send("/forget")
    confirm = person.last
    data = next(d for label, d in confirm.buttons if "Yes" in label)
    other = Person(fake, person.queue, chat_id=777)
    await other.press_data(data, confirm.message_id)  # the other person pressing on this chat's message
    await other.press_data(data, 999_999)  # the data copied into the other person's own chat
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM contacts") == [(1,)]
    assert other.chat == [] and confirm.markup is not None
    assert len(fake.calls_of("answerCallbackQuery")) == 5


async def test_deep_link_code_reaches_the_core(services: Services, person: Person) -> None:
    welcome = (await person.send("/start WORKSHOP-7"))[0]
    assert keys(services, person, welcome)[0] == "start:lang:en:WORKSHOP-7"


async def test_stickers_and_voice_get_a_kind_answer_and_nothing_is_kept(services: Services, fake: FakeTelegram,
                                                                        person: Person) -> None:
    for update in (fake.sticker_update(person.chat_id), fake.voice_update(person.chat_id)):
        await person.handled(fake.push(update))
    assert [m.text for m in person.chat] == ["I can only read text messages, sorry. Type a word, or send /menu "
                                             "to see what I can do."] * 2
    assert person_rows(services.settings.database_path) == 0


async def test_groups_get_one_polite_line_and_nothing_is_kept(services: Services, fake: FakeTelegram,
                                                              person: Person) -> None:
    group = -100123
    await person.handled(fake.push(fake.text_update(group, "/start", chat_type="supergroup")))
    await person.handled(fake.push(fake.text_update(group, "hello all", chat_type="supergroup")))
    said = fake.sent_to(group)
    assert len(said) == 1 and "private" in said[0].text and said[0].markup is None
    assert person_rows(services.settings.database_path) == 0


async def test_edited_messages_do_not_act_twice(fake: FakeTelegram, person: Person) -> None:
    update = fake.text_update(person.chat_id, "/start")
    await person.handled(fake.push({"edited_message": {**update["message"], "edit_date": 1}}))
    assert person.chat == []


async def test_the_bot_username_from_getme_makes_cohort_links(services: Services, telegram: TelegramChannel) -> None:
    assert deep_link(services.engine, "ABC123") == f"https://t.me/{BOT_USERNAME}?start=ABC123"
