"""Who may broadcast and see figures: participants never; a facilitator only for their own cohorts."""

from __future__ import annotations

import pytest

from bot.app import Services
from tests.broadcasting import crowd, write
from tests.helpers import Chat, rows
from tests.outbox import facilitator, member, new_cohort

pytestmark = pytest.mark.both_engines

STALE = "earlier moment"


def snapshot(services: Services) -> list[list[tuple[object, ...]]]:
    db = services.settings.database_path
    return [rows(db, "SELECT id, status, facilitator_id FROM broadcasts ORDER BY id"),
            rows(db, "SELECT status, COUNT(*) FROM deliveries GROUP BY status ORDER BY status"),
            rows(db, "SELECT COUNT(*) FROM facilitator_audit")]


async def fays_world(services: Services) -> tuple[Chat, Chat]:
    """Fay owns cohort 1 (with a scheduled broadcast, id 1) and is previewing draft 2; Ana is her member."""
    fay = await facilitator(services)
    code = await new_cohort(fay)
    ana = await member(services, code)
    await crowd(services, 1, 5)
    await write(fay, "Scheduled one")
    await fay.press("Choose a time")
    await fay.send("23:00")
    await fay.send("/broadcast")
    await fay.press("New message")
    await fay.send("A draft")
    return fay, ana


@pytest.mark.parametrize("command", ["/broadcast", "/stats"])
async def test_a_participant_is_refused_politely_and_nothing_changes(services: Services, command: str) -> None:
    _, ana = await fays_world(services)
    before = snapshot(services)
    await ana.send(command)
    assert "for workshop facilitators only, so nothing was changed" in ana.text
    assert snapshot(services) == before


@pytest.mark.parametrize("forged", ["broadcast:new", "broadcast:pick:1", "broadcast:next", "broadcast:now:2",
                                    "broadcast:later:2", "broadcast:edit:2", "broadcast:cancel:1",
                                    "broadcast:cancelyes:1", "stats:show:1", "stats:pick"])
async def test_a_participants_forged_choices_are_stale(services: Services, forged: str) -> None:
    _, ana = await fays_world(services)
    before = snapshot(services)
    await ana.press_key(forged)
    assert STALE in ana.text
    assert snapshot(services) == before


@pytest.mark.parametrize("forged", ["broadcast:pick:1", "broadcast:now:2", "broadcast:later:2", "broadcast:edit:2",
                                    "broadcast:cancel:1", "broadcast:cancelyes:1", "stats:show:1",
                                    "broadcast:pick:x", "broadcast:cancel:-1", "stats:show:99"])
async def test_another_facilitators_forged_choices_are_stale(services: Services, forged: str) -> None:
    await fays_world(services)
    gil = await facilitator(services, "gil")
    await new_cohort(gil, name="Gil one")
    await new_cohort(gil, name="Gil two")
    await gil.send("/broadcast")  # choosing among his own cohorts: a real pick state
    before = snapshot(services)
    await gil.press_key(forged)
    assert STALE in gil.text
    assert snapshot(services) == before
    await gil.send("/broadcast")
    await gil.press("Gil one")
    await gil.press("Next")
    await gil.send("Gil's draft")  # previewing his own draft (id 3): still no way into Fay's
    await gil.press_key(forged)
    assert STALE in gil.text


async def test_another_facilitator_sees_only_their_own(services: Services) -> None:
    await fays_world(services)
    gil = await facilitator(services, "gil")
    await new_cohort(gil, name="Gil one")
    await gil.send("/broadcast")
    assert "Write your message to “Gil one”" in gil.text
    await gil.send("/stats")
    assert "“Gil one” has 0 members." in gil.text
    assert "Spring" not in gil.text


async def test_the_owner_can_do_what_others_cannot(services: Services) -> None:
    fay, _ = await fays_world(services)
    await fay.press_key("broadcast:now:2")
    assert "On its way to 6 people" in fay.text
    await fay.press_key("broadcast:cancel:1")
    await fay.press("Yes, cancel")
    await fay.press_key("stats:show:1")
    assert "members: 6" in fay.text
    assert rows(services.settings.database_path, "SELECT id, status FROM broadcasts ORDER BY id") == [
        (1, "cancelled"), (2, "sending")]
