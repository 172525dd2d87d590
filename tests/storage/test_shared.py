"""Several processes, one PostgreSQL: claims, person locks, tick locks, backup and key rotation.

Each "process" here is its own Store with its own connection pool on the same database, which is what two
`python -m bot run` processes are to PostgreSQL (tests/e2e/test_two_processes.py runs the real thing).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app import Services
from bot.core.domain import Address, NewDelivery
from bot.storage.crypto import Vault
from bot.storage.rotation import rotate_key
from bot.storage.store import Store
from tests.helpers import BOOKKEEPING, TEST_KEY, Chat

pytestmark = pytest.mark.both_engines


@pytest.fixture
async def other(services: Services) -> AsyncIterator[Store]:
    """A second process's Store on the same database."""
    store = await Store.open(services.settings.database, TEST_KEY, migrate=False)
    yield store
    await store.close()


async def test_two_processes_claiming_at_once_never_take_the_same_row(services: Services, other: Store) -> None:
    now = services.clock.now()
    contact = await services.store.contacts.create(Address("console", "ana"), "en", "UTC", now)
    rows = [NewDelivery(contact.id, "notice", f"k{i}", now, {"key": "remind.saved"}) for i in range(300)]
    assert await services.store.deliveries.enqueue_many(rows, now) == 300

    async def claim_all(store: Store) -> list[int]:
        taken: list[int] = []
        while batch := await store.deliveries.claim_due(now, 7):
            taken += [d.id for d in batch]
            await asyncio.sleep(0)
        return taken

    first, second = await asyncio.gather(claim_all(services.store), claim_all(other))
    assert not set(first) & set(second)
    assert len(first) + len(second) == 300
    assert first and second if services.store.shared else True


async def test_enqueueing_twice_from_two_processes_adds_each_key_once(services: Services, other: Store) -> None:
    now = services.clock.now()
    contact = await services.store.contacts.create(Address("console", "ana"), "en", "UTC", now)
    rows = [NewDelivery(contact.id, "followup", f"f{i}", now, {}) for i in range(100)]
    added = await asyncio.gather(services.store.deliveries.enqueue_many(rows, now),
                                 other.deliveries.enqueue_many(rows, now))
    assert sum(added) == 100
    assert await services.store.deliveries.count_pending() == 100


async def test_one_persons_updates_wait_for_each_other_across_processes(services: Services, other: Store) -> None:
    ana, bob = Address("console", "ana"), Address("console", "bob")
    events: list[str] = []
    inside = asyncio.Event()

    async def first() -> None:
        async with services.store.person_lock(ana):
            events.append("first in")
            inside.set()
            for _ in range(20):
                await asyncio.sleep(0.005)
            events.append("first out")

    async def second() -> None:
        await inside.wait()
        async with other.person_lock(bob):
            events.append("bob")  # someone else is never held up
        async with other.person_lock(ana):
            events.append("second in")

    await asyncio.gather(first(), second())
    if services.store.shared:
        assert events == ["first in", "bob", "first out", "second in"]
    else:  # one process: the engine's own per-person lock does this; the store's is a no-op
        assert set(events) == {"first in", "bob", "first out", "second in"}


async def test_a_tick_runs_in_one_process_at_a_time(services: Services, other: Store) -> None:
    async with services.store.exclusive("follow-up tick") as mine:
        assert mine
        async with other.exclusive("follow-up tick") as theirs:
            assert theirs is not services.store.shared  # PostgreSQL: the other process skips this round
        async with other.exclusive("reminder tick") as different:
            assert different
    async with other.exclusive("follow-up tick") as later:
        assert later


async def test_forget_leaves_no_row_and_rotation_and_backup_work(services: Services, tmp_path: Path) -> None:
    chat = Chat(services.engine)
    await chat.consent(keep_notes=True)
    await chat.send("/checkin")
    await chat.press("Okay")
    await chat.send("hopeful")
    store = services.store
    report = await rotate_key(store.db, Vault(TEST_KEY), Vault("a-brand-new-secret-" + "n" * 30))
    assert report.fields >= 2 and report.lookups == 1
    rotated = await Store.open(services.settings.database, "a-brand-new-secret-" + "n" * 30, migrate=False)
    try:
        found = await rotated.find_person(chat.address)
        assert found is not None
        [note] = await rotated.checkins.latest(found[0].id, 1)
        assert note.note == "hopeful"
        target = tmp_path / "backup.bin"
        await rotated.db.backup(target)
        assert target.stat().st_size > 0
        assert b"hopeful" not in target.read_bytes()  # encrypted fields stay encrypted in a backup
        forgotten = await rotated.contacts.forget(found[0].id)
        assert forgotten["contacts"] == 1 and forgotten["checkins"] == 1
        for table in set(await rotated.db.tables()) - BOOKKEEPING:
            row = await rotated.db.fetchone(f"SELECT COUNT(*) FROM {table}")
            assert row[0] == 0, table
    finally:
        await rotated.close()
