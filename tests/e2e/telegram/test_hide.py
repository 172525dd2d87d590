"""/hide on Telegram: the bot deletes its recent messages and the person's, answers with one neutral line, and
keeps no message id afterwards."""

from __future__ import annotations

import pytest

from bot.app import Services
from bot.core.messages import Address
from tests.e2e.fake_telegram import FakeTelegram, Person
from tests.helpers import rows

pytestmark = pytest.mark.both_engines


async def test_hide_deletes_both_sides_of_the_chat(services: Services, fake: FakeTelegram, person: Person) -> None:
    await person.consent()
    await person.send("/checkin")
    await person.press("Good")
    await person.send("/reflect")
    shown = [m.message_id for m in person.chat]
    answer = await person.send("/hide")

    assert [m.text for m in answer] == ["👍"]
    deleted = set(fake.deleted)
    assert set(shown) <= deleted  # the welcome too: it became the consent question, answered after consent
    typed = [c.params for c in fake.calls_of("sendMessage")]
    assert typed  # the bot did talk
    contact = await services.store.contacts.find(Address("telegram", str(person.chat_id)))
    assert contact is not None
    # Only the neutral line's id is kept (a later /hide removes it too).
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM recent_messages")[0][0] == 1


async def test_the_hide_word_works_in_the_middle_of_a_reflection(services: Services, fake: FakeTelegram,
                                                                   person: Person) -> None:
    await person.consent()
    await person.send("/reflect")
    await person.press("Choose a stage")
    before = len(fake.deleted)
    answer = await person.send("weather")
    assert [m.text for m in answer] == ["👍"]
    assert len(fake.deleted) > before


async def test_message_ids_are_kept_only_48_hours_and_go_with_forget(services: Services, fake: FakeTelegram,
                                                                        person: Person) -> None:
    await person.consent()
    await person.send("/checkin")
    db = services.settings.database_path
    assert rows(db, "SELECT COUNT(*) FROM recent_messages") != [(0,)]
    await person.send("/forget")
    await person.press("Yes, delete")
    assert rows(db, "SELECT COUNT(*) FROM recent_messages")[0][0] == 0
