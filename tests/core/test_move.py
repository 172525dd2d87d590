"""Move my journey: a one-time code from /mydata, /restore CODE from a new account or number (any channel)."""

from __future__ import annotations

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.messages import Address
from tests.helpers import Chat
from tests.outbox import facilitator, member, new_cohort

pytestmark = pytest.mark.both_engines


def code_in(text: str) -> str:
    return next(word for word in text.split() if word.count("-") == 2 and len(word) == 14)


async def move_code(chat: Chat) -> str:
    await chat.send("/mydata")
    await chat.press("Move my journey")
    return code_in(chat.text)


async def test_a_journey_moves_to_a_new_number_on_another_channel(services: Services) -> None:
    store = services.store
    fay = await facilitator(services)
    ana = await member(services, await new_cohort(fay), "ana-old-phone")
    await store.contacts.update((await store.contacts.find(ana.address)).id, keep_notes=True)  # type: ignore[union-attr]
    await ana.send("/checkin")
    await ana.press("Good")
    await ana.send("sunny")
    before = await store.contacts.find(ana.address)
    assert before is not None
    code = await move_code(ana)

    new = Chat(services.engine, "254700000001", channel="whatsapp")
    await new.send(f"/restore {code}")
    assert "Your journey is here now" in new.text

    assert await store.contacts.find(ana.address) is None  # the old address is forgotten
    after = await store.contacts.find(new.address)
    assert after is not None and after.id == before.id and after.keep_notes
    assert [c.note for c in await store.checkins.latest(after.id, 5)] == ["sunny"]
    assert [c.name for c in await store.cohorts.memberships(after.id)] == ["Spring group"]
    old_lookup = store.contacts.lookup_key(Address("console", "ana-old-phone"))
    assert await store.db.fetchone("SELECT 1 FROM contacts WHERE lookup = ?", (old_lookup,)) is None

    again = Chat(services.engine, "someone-else")
    await again.send(f"/restore {code}")  # used up
    assert "doesn't work" in again.text
    assert await store.contacts.find(again.address) is None  # and nothing was stored about them


async def test_the_old_account_starts_from_nothing(services: Services) -> None:
    ana = Chat(services.engine, "ana")
    await ana.consent()
    code = await move_code(ana)
    await Chat(services.engine, "ana-new").send(f"/restore {code}")
    await ana.send("/checkin")
    assert "Which language would you like?" in ana.text  # a stranger again: welcome and consent first


async def test_codes_expire_after_seven_days(services: Services, clock: FakeClock) -> None:
    ana = Chat(services.engine, "ana")
    await ana.consent()
    code = await move_code(ana)
    clock.advance(days=7, minutes=1)
    new = Chat(services.engine, "ana-new")
    await new.send(f"/restore {code}")
    assert "doesn't work" in new.text
    assert await services.store.contacts.find(ana.address) is not None


async def test_a_new_code_replaces_the_old_one(services: Services) -> None:
    ana = Chat(services.engine, "ana")
    await ana.consent()
    first = await move_code(ana)
    second = await move_code(ana)
    new = Chat(services.engine, "ana-new")
    await new.send(f"/restore {first}")
    assert "doesn't work" in new.text
    await new.send(f"/restore {second}")
    assert "Your journey is here now" in new.text


async def test_wrong_codes_are_throttled(services: Services) -> None:
    ana = Chat(services.engine, "ana")
    await ana.consent()
    code = await move_code(ana)
    guesser = Chat(services.engine, "guesser")
    for n in range(5):
        await guesser.send(f"/restore AAAA-BBBB-CCC{n}")
        assert "doesn't work" in guesser.text
    await guesser.send(f"/restore {code}")  # even the right code waits now
    assert "wait an hour" in guesser.text
    assert await services.store.contacts.find(ana.address) is not None


async def test_an_account_with_its_own_journey_is_not_overwritten(services: Services) -> None:
    ana = Chat(services.engine, "ana")
    await ana.consent()
    code = await move_code(ana)
    other = Chat(services.engine, "other")
    await other.consent()
    await other.send("/checkin")
    await other.press("Okay")
    await other.send(f"/restore {code}")
    assert "has a journey of its own" in other.text
    assert await services.store.contacts.find(ana.address) is not None


async def test_a_freshly_started_account_takes_the_journey(services: Services) -> None:
    ana = Chat(services.engine, "ana")
    await ana.consent()
    await ana.send("/checkin")
    await ana.press("Okay")
    code = await move_code(ana)
    new = Chat(services.engine, "ana-new")
    await new.consent()
    await new.send(f"/restore {code}")
    assert "Your journey is here now" in new.text
    contact = await services.store.contacts.find(new.address)
    assert contact is not None and len(await services.store.checkins.latest(contact.id, 5)) == 1
