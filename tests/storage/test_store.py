from __future__ import annotations

import pytest

from bot.app import Services
from bot.core.messages import Address
from bot.storage.conversations import Conversation

pytestmark = pytest.mark.both_engines

ANA = Address("telegram", "4242")


async def test_find_person_reads_contact_and_conversation_together(services: Services) -> None:
    store = services.store
    now = services.clock.now()
    assert await store.find_person(ANA) is None
    contact = await store.contacts.create(ANA, "sw", "UTC", now)
    assert await store.find_person(ANA) == (contact, Conversation())
    await store.conversations.set(contact.id, "checkin.note", {"id": 7}, now)
    found = await store.find_person(ANA)
    assert found is not None
    assert found[0] == contact
    assert found[1] == Conversation("checkin.note", {"id": 7})
    assert await store.find_person(Address("telegram", "4243")) is None
