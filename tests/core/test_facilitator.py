from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from tests.helpers import Chat, rows, stored_bytes

pytestmark = pytest.mark.both_engines


@pytest.mark.sqlite_only  # reads the SQLite file's bytes
async def test_an_invite_code_works_once(services: Services) -> None:
    code, _ = await services.store.facilitators.invite(services.clock.now())
    fay, bob = Chat(services.engine, "fay"), Chat(services.engine, "bob")
    await fay.consent()
    await bob.consent()
    await fay.send(f"/facilitator {code.lower()}")
    assert "Welcome, facilitator" in fay.text
    assert any("cohorts" in c.key for c in fay.choices)
    await bob.send(f"/facilitator {code}")
    assert "doesn't work" in bob.text
    db = services.settings.database_path
    assert rows(db, "SELECT is_facilitator FROM contacts ORDER BY id") == [(1,), (0,)]
    assert rows(db, "SELECT contact_id, action, cohort_id FROM facilitator_audit") == [(1, "became_facilitator", None)]
    assert code.encode() not in stored_bytes(db)


async def test_an_invite_code_expires_after_seven_days(services: Services, clock: FakeClock) -> None:
    code, expires = await services.store.facilitators.invite(clock.now())
    assert expires - clock.now() == timedelta(days=7)
    clock.advance(days=7, seconds=1)
    chat = Chat(services.engine, "fay")
    await chat.consent()
    await chat.send(f"/facilitator {code}")
    assert "expired" in chat.text
    assert rows(services.settings.database_path, "SELECT is_facilitator FROM contacts") == [(0,)]


async def test_a_participants_newcohort_is_refused_and_changes_nothing(services: Services) -> None:
    chat = Chat(services.engine, "bob")
    await chat.consent()
    db = services.settings.database_path
    before = rows(db, "SELECT * FROM conversations"), rows(db, "SELECT * FROM cohorts")
    for command in ("/newcohort", "/cohorts"):
        await chat.send(command)
        assert "facilitators only" in chat.text
    await chat.press_key("cohorts:new")
    await chat.press_key("cohorts:closeyes:1")
    assert (rows(db, "SELECT * FROM conversations"), rows(db, "SELECT * FROM cohorts")) == before
    assert rows(db, "SELECT * FROM facilitator_audit") == []


async def test_a_facilitator_without_a_code_or_with_one_already_is_told_kindly(services: Services) -> None:
    chat = Chat(services.engine, "fay")
    await chat.consent()
    await chat.send("/facilitator")
    assert "followed by the code" in chat.text
    code, _ = await services.store.facilitators.invite(services.clock.now())
    await chat.send(f"/facilitator {code}")
    second, _ = await services.store.facilitators.invite(services.clock.now())
    await chat.send(f"/facilitator {second}")
    assert "already a facilitator" in chat.text
    assert rows(services.settings.database_path, "SELECT used_at IS NULL FROM facilitator_invites ORDER BY id") \
        == [(0,), (1,)]
