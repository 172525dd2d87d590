"""/hide where messages cannot be deleted (WhatsApp, the console): it says so and offers discreet mode, in which
every proactive message is a plain greeting."""

from __future__ import annotations

import pytest

from bot.app import Services
from tests.helpers import Chat
from tests.outbox import FakeSender, dispatcher

pytestmark = pytest.mark.both_engines


async def test_hide_offers_discreet_mode_and_proactive_messages_become_a_greeting(services: Services) -> None:
    ana = Chat(services.engine, "254711000111", channel="whatsapp")
    await ana.consent()
    await ana.send("hide")
    assert "can't delete messages" in ana.text
    await ana.press("Yes, plain only")
    contact = await services.store.contacts.find(ana.address)
    assert contact is not None and contact.discreet
    now = services.clock.now()
    await services.store.deliveries.enqueue(contact.id, "notice", "n1", now, {"key": "checkon.buddy_accepted"}, now)
    sender = FakeSender(channel="whatsapp")
    await dispatcher(services, sender).drain()
    assert sender.texts() == ["Hi 👋"]
    assert [c.label for c in sender.sent[0].replies[0].choices] == ["Open"]

    await ana.send("/hide")
    await ana.press("Plain messages off")
    contact = await services.store.contacts.find(ana.address)
    assert contact is not None and not contact.discreet


async def test_hide_before_consent_stores_nothing(services: Services) -> None:
    stranger = Chat(services.engine, "stranger")
    await stranger.send("/hide")
    assert stranger.text == "👍"
    assert await services.store.contacts.find(stranger.address) is None
