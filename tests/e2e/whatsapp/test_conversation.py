"""A whole participant conversation over WhatsApp webhooks, against the real server and a fake Graph API."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.core.messages import Address
from tests.fakes.whatsapp import Phone, Rig
from tests.helpers import person_rows, rows, stored_bytes

pytestmark = pytest.mark.both_engines

STEP_LIMIT = 20


def database_bytes(database: Path) -> bytes:
    """Everything SQLite keeps on disk for this database (main file, write-ahead log and SHM)."""
    return stored_bytes(database)


async def do_a_reflection(phone: Phone) -> None:
    """Start the suggested exercise and go through it: answer text steps, pick the first choice, tap Next."""
    await phone.say("reflect")
    await phone.tap("Start")
    for _ in range(STEP_LIMIT):
        if "It's on your journey now" in phone.text:
            return
        labels = [option["title"] for _, option in phone.options()]
        if "Type your answer" in phone.text:
            await phone.say("I noticed I was kinder to myself today")
        elif any("Next" in label for label in labels):
            await phone.tap("Next")
        else:
            await phone.tap(labels[0])
    pytest.fail("the reflection did not finish")


async def test_consent_checkin_reflection_export_and_forget(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    database = rig.services.settings.database_path
    phone = rig.phone("254700000123")

    await phone.say("start")
    await phone.tap("English")
    assert person_rows(database) == 0
    await phone.tap("agree")
    await phone.tap("Keep my notes")
    assert phone.last[-1]["interactive"]["type"] == "list"  # the menu

    await phone.say("checkin")
    assert len(phone.options()) == 5
    await phone.tap("Okay")
    await phone.say("tired but fine")
    assert "Saved, encrypted" in phone.text
    assert rows(database, "SELECT mood FROM checkins") == [(3,)]

    await do_a_reflection(phone)
    assert len(rows(database, "SELECT id FROM completions")) == 1

    await phone.say("mydata")
    assert phone.last[0]["type"] == "document"
    assert rig.graph.uploads[-1].filename.endswith(".json")

    assert b"254700000123" not in database_bytes(database)
    assert b"tired but fine" not in database_bytes(database)

    await phone.say("forget")
    await phone.tap("Yes, delete all")
    assert "Everything is deleted" in phone.text
    assert person_rows(database) == 0
    assert await rig.services.store.contacts.find(Address("whatsapp", "254700000123")) is None

    assert "254700000123" not in caplog.text
    assert "tired but fine" not in caplog.text


async def test_typed_words_work_as_commands_on_whatsapp(rig: Rig) -> None:
    phone = rig.phone()
    await phone.consent()
    await phone.say("Check in")
    assert len(phone.options()) == 5
    await phone.say("menu")
    assert phone.last[-1]["interactive"]["type"] == "list"
    await phone.say("help")
    assert phone.last
