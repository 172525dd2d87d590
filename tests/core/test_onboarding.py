from __future__ import annotations

import pytest

from bot.app import Services
from bot.storage.contacts import ContactStatus
from tests.helpers import Chat, person_rows

pytestmark = pytest.mark.both_engines


async def test_nothing_is_stored_before_consent(services: Services, chat: Chat) -> None:
    await chat.send("/start")
    assert next(c.label for c in chat.choices) == "English"
    await chat.press("English")
    assert "privacy" in chat.text
    await chat.send("/checkin")
    await chat.send("hello there")
    await chat.send("/help")
    assert person_rows(services.settings.database_path) == 0


async def test_declining_stores_nothing_and_says_so(services: Services, chat: Chat) -> None:
    await chat.send("/start")
    await chat.press("English")
    await chat.press("Not now")
    assert "saved nothing" in chat.text
    assert person_rows(services.settings.database_path) == 0


async def test_consent_creates_the_contact_with_notes_off(services: Services, chat: Chat) -> None:
    await chat.consent()
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None
    assert contact.language == "en"
    assert contact.keep_notes is False
    assert "menu" in chat.text


async def test_start_after_stop_resumes(services: Services, chat: Chat) -> None:
    await chat.consent()
    await chat.send("/stop")
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None and contact.status == ContactStatus.STOPPED
    await chat.send("/start")
    assert "on again" in chat.text
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None and contact.status == ContactStatus.ACTIVE


async def test_a_command_before_consent_leads_to_start(chat: Chat) -> None:
    await chat.send("/journey")
    assert "Which language" in chat.text
