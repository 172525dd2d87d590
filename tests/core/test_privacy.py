from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.app import Services
from tests.helpers import Chat, person_rows, references_to, rows, stored_bytes

pytestmark = pytest.mark.both_engines


async def _busy_person(chat: Chat) -> None:
    await chat.consent(keep_notes=True)
    await chat.send("/checkin")
    await chat.press("Low")
    await chat.send("tired")
    await chat.send("/reflect")
    await chat.press("Start")


async def test_forget_leaves_no_row_that_refers_to_the_person(services: Services) -> None:
    chat, other = Chat(services.engine, "ana"), Chat(services.engine, "ben")
    await other.consent()
    await _busy_person(chat)
    ana = await services.store.contacts.find(chat.address)
    assert ana is not None
    await services.store.deliveries.enqueue(ana.id, "reminder", "r-1", services.clock.now() + timedelta(days=1),
                                            {"kind": "reminder"}, services.clock.now())
    await chat.send("/forget")
    await chat.press("Yes, delete")
    assert "Everything is deleted" in chat.text
    assert "check-ins: 1" in chat.text
    assert "scheduled messages: 1" in chat.text
    db = services.settings.database_path
    references = references_to(db, "contacts")
    assert ("checkins", "contact_id") in references
    for table, column in references:
        assert rows(db, f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", ana.id) == [(0,)]
    assert rows(db, "SELECT COUNT(*) FROM contacts") == [(1,)]
    assert person_rows(db) == 1


async def test_forget_needs_confirmation(services: Services, chat: Chat) -> None:
    await chat.consent()
    await chat.send("/forget")
    await chat.press("No, keep")
    assert "Nothing was deleted" in chat.text
    await chat.press_key("privacy:forget:yes")
    assert "no longer works" in chat.text
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM contacts") == [(1,)]


async def test_a_button_pressed_after_forget_is_handled_kindly(services: Services, chat: Chat) -> None:
    await chat.consent()
    await chat.send("/checkin")
    mood_key = chat.choices[0].key
    await chat.send("/forget")
    await chat.press("Yes, delete")
    await chat.press_key(mood_key)
    assert "Which language" in chat.text
    assert person_rows(services.settings.database_path) == 0


async def test_mydata_exports_everything_readable(services: Services, chat: Chat) -> None:
    await _busy_person(chat)
    replies = await chat.send("/mydata")
    assert "Check-ins: 1" in replies[0].text
    document = replies[0].document
    assert document is not None
    data = json.loads(document.data)
    assert data["contacts"][0]["address"] == "ana"
    assert data["checkins"][0]["note"] == "tired"
    assert "lookup" not in data["contacts"][0]


async def test_stop_wins_over_a_conversation_in_progress(services: Services, chat: Chat) -> None:
    await chat.consent(keep_notes=True)
    await chat.send("/checkin")
    await chat.press("Okay")
    await chat.send("STOP")
    assert "won't send you any messages" in chat.text
    assert rows(services.settings.database_path, "SELECT status FROM contacts") == [("stopped",)]
    assert rows(services.settings.database_path, "SELECT note FROM checkins") == [(None,)]


async def test_stop_before_consent_stores_nothing(services: Services, chat: Chat) -> None:
    await chat.send("/stop")
    assert "nothing stored" in chat.text
    assert person_rows(services.settings.database_path) == 0


async def test_no_plaintext_identifier_or_note_in_the_database_or_its_wal(services: Services) -> None:
    chat = Chat(services.engine, "tg-99887766", channel="telegram")
    await _busy_person(chat)
    content = stored_bytes(services.settings.database_path)
    assert b"99887766" not in content
    assert b"tired" not in content


@pytest.mark.sqlite_only  # reads the SQLite file's bytes
async def test_a_backup_holds_no_plaintext_identifier_or_note(services: Services) -> None:
    chat = Chat(services.engine, "tg-99887766", channel="telegram")
    await _busy_person(chat)
    target = services.settings.database_path.parent / "backup.db"
    await services.store.db.backup(target)
    content = target.read_bytes()
    assert rows(target, "SELECT COUNT(*) FROM checkins") == [(1,)]
    assert b"99887766" not in content
    assert b"tired" not in content
