"""Who is asked next: language, the requester's cohorts first, least recently asked, never oneself, only the
approved, unpaused, reachable and free, never a blocked pair, never someone busy or asked already."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.messages import Address
from bot.core.peers import free_now, pick
from bot.core.timing import DEFAULT_QUIET
from bot.storage.contacts import ContactStatus
from bot.storage.store import Store
from bot.storage.support import NewRequest
from bot.storage.volunteers import Availability, Offer, Reach

pytestmark = pytest.mark.both_engines

THURSDAY_NOON = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


async def person(store: Store, name: str, now: datetime, language: str = "en") -> int:
    contact = await store.contacts.create(Address("console", name), language, "UTC", now)
    return contact.id


async def cohort(store: Store, owner: int, now: datetime, *members: int) -> int:
    created = await store.cohorts.create(owner, "Group", date(2026, 1, 10), "en", "UTC", now)
    for member in members:
        await store.cohorts.join(created.id, member, now)
    return created.id


async def approved(store: Store, contact_id: int, owner: int, now: datetime, languages: tuple[str, ...] = ("en",),
                   when: Availability = Availability.ANY) -> None:
    await store.volunteers.save(contact_id, Offer(languages, "Alias", "Intro", Reach.BOT, None, when), now)
    assert await store.volunteers.decide(contact_id, owner, True, now) is not None


async def request(store: Store, requester: int, now: datetime, language: str = "en") -> int:
    return await store.support.create(requester, NewRequest(language, "Rumi", None, Reach.BOT, None), None, now)


async def setup(services: Services, *volunteers: str) -> tuple[Store, int, list[int], int]:
    """A facilitator, a requester and volunteers all in one cohort; returns (store, requester, volunteers, owner)."""
    store, now = services.store, services.clock.now()
    owner = await person(store, "fay", now)
    await store.contacts.update(owner, is_facilitator=True)
    requester = await person(store, "rumi", now)
    ids = [await person(store, name, now) for name in volunteers]
    await cohort(store, owner, now, requester, *ids)
    return store, requester, ids, owner


async def test_only_volunteers_who_share_the_language(services: Services, clock: FakeClock) -> None:
    store, requester, (swahili, both), owner = await setup(services, "sw-only", "en-and-sw")
    await approved(store, swahili, owner, clock.now(), ("sw",))
    await approved(store, both, owner, clock.now(), ("sw", "en"))
    assert await pick(store, requester, "en", 0, clock.now()) == both
    assert await pick(store, requester, "fr", 0, clock.now()) is None


async def test_the_requesters_cohorts_come_first(services: Services, clock: FakeClock) -> None:
    store, requester, (near,), owner = await setup(services, "near")
    now = clock.now()
    far = await person(store, "far", now)
    await cohort(store, owner, now, far)
    await approved(store, far, owner, now)
    await approved(store, near, owner, now)
    await store.volunteers.mark_asked(near, now)  # asked recently, but shares a cohort: still first
    assert await pick(store, requester, "en", 0, now) == near


async def test_requests_are_spread_to_whoever_was_asked_least_recently(services: Services, clock: FakeClock) -> None:
    store, requester, (a, b, c), owner = await setup(services, "a", "b", "c")
    now = clock.now()
    for volunteer in (a, b, c):
        await approved(store, volunteer, owner, now)
    order = []
    for _ in range(4):
        chosen = await pick(store, requester, "en", 0, now)
        assert chosen is not None
        order.append(chosen)
        await store.volunteers.mark_asked(chosen, now)
        now += timedelta(minutes=1)
    assert order == [a, b, c, a]


async def test_never_the_requester_themself(services: Services, clock: FakeClock) -> None:
    store, requester, _, owner = await setup(services)
    await approved(store, requester, owner, clock.now())
    assert await pick(store, requester, "en", 0, clock.now()) is None


async def test_only_approved_unpaused_and_reachable_volunteers(services: Services, clock: FakeClock) -> None:
    store, requester, (pending, declined, paused, stopped, ok), owner = await setup(
        services, "pending", "declined", "paused", "stopped", "ok")
    now = clock.now()
    await store.volunteers.save(pending, Offer(("en",), "P", "I", Reach.BOT, None, Availability.ANY), now)
    await store.volunteers.save(declined, Offer(("en",), "D", "I", Reach.BOT, None, Availability.ANY), now)
    await store.volunteers.decide(declined, owner, False, now)
    for volunteer in (paused, stopped, ok):
        await approved(store, volunteer, owner, now)
    await store.volunteers.set_paused(paused, True)
    await store.contacts.update(stopped, status=ContactStatus.STOPPED)
    assert await pick(store, requester, "en", 0, now) == ok
    await store.volunteers.set_paused(ok, True)
    assert await pick(store, requester, "en", 0, now) is None


async def test_blocked_pairs_busy_volunteers_and_those_asked_already_are_skipped(services: Services,
                                                                                 clock: FakeClock) -> None:
    store, requester, (blocked, busy, asked, free), owner = await setup(services, "blocked", "busy", "asked", "free")
    now = clock.now()
    for volunteer in (blocked, busy, asked, free):
        await approved(store, volunteer, owner, now)
    await store.support.block(blocked, requester, now)
    other = await person(store, "other", now)
    await store.support.ask(await request(store, other, now), busy, now)
    mine = await request(store, requester, now)
    await store.support.ask(mine, asked, now)
    assert await pick(store, requester, "en", mine, now) == free
    assert await store.support.blocked(requester, blocked)


def test_usual_times_are_read_on_the_volunteers_own_clock() -> None:
    nairobi = "Africa/Nairobi"  # UTC+3
    assert free_now(Availability.DAY, nairobi, None, THURSDAY_NOON)  # 15:00 there
    assert not free_now(Availability.EVENING, nairobi, None, THURSDAY_NOON)
    assert free_now(Availability.EVENING, nairobi, None, THURSDAY_NOON + timedelta(hours=4))  # 19:00
    assert not free_now(Availability.DAY, nairobi, None, THURSDAY_NOON + timedelta(hours=4))
    assert not free_now(Availability.WEEKEND, nairobi, None, THURSDAY_NOON)
    assert free_now(Availability.WEEKEND, nairobi, None, THURSDAY_NOON + timedelta(days=2))  # Saturday
    late = THURSDAY_NOON + timedelta(hours=8)  # 23:00 in Nairobi
    assert free_now(Availability.ANY, nairobi, None, late)
    assert not free_now(Availability.ANY, nairobi, DEFAULT_QUIET, late)
