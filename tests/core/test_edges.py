"""What channels learn at their edge goes through the engine: blocked, seen, the language of someone unknown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Services
from bot.core.domain import Address, ContactStatus
from tests.helpers import Chat

pytestmark = pytest.mark.both_engines


async def test_a_refusal_marks_an_active_person_blocked_and_writing_again_undoes_it(services: Services) -> None:
    chat = Chat(services.engine)
    await chat.consent()
    await services.engine.mark_blocked(chat.address)
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None and contact.status == ContactStatus.BLOCKED
    await chat.send("/menu")
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None and contact.status == ContactStatus.ACTIVE
    await services.engine.mark_blocked(contact_id=contact.id)
    assert (await services.store.contacts.get(contact.id)).status == ContactStatus.BLOCKED  # type: ignore[union-attr]


async def test_someone_who_said_stop_stays_stopped_and_a_stranger_is_not_stored(services: Services) -> None:
    chat = Chat(services.engine)
    await chat.consent()
    await chat.send("/stop")
    await services.engine.mark_blocked(chat.address)
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None and contact.status == ContactStatus.STOPPED
    stranger = Address("telegram", "555")
    await services.engine.mark_blocked(stranger)
    assert await services.engine.seen(stranger) == services.engine.default_language
    assert await services.store.contacts.find(stranger) is None


async def test_the_language_of_someone_unknown_is_the_platforms_hint_when_we_have_it(services: Services) -> None:
    stranger = Address("telegram", "556")
    assert await services.engine.language_of(stranger, "fr") == "fr"
    assert await services.engine.language_of(stranger, "xx") == services.engine.default_language
    chat = Chat(services.engine)
    await chat.consent()
    await services.store.contacts.update(1, language="sw")
    assert await services.engine.language_of(chat.address, "fr") == "sw"


async def test_a_message_the_engine_did_not_answer_still_counts_as_seen(services: Services) -> None:
    chat = Chat(services.engine)
    await chat.consent()
    services.clock.advance(seconds=int(timedelta(hours=2).total_seconds()))  # type: ignore[attr-defined]
    assert await services.engine.seen(chat.address) == "en"
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None and contact.last_seen_at == services.clock.now()
