from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Services
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.core.proactive.followups import followup_tick
from tests.helpers import Chat, rows
from tests.outbox import facilitator, manage, member, new_cohort, plan_settings, remind

pytestmark = pytest.mark.both_engines


@pytest.fixture
def settings(tmp_path: Path, engine: str) -> Settings:
    return plan_settings(tmp_path, engine)


def planned(db: Path, person: int) -> list[tuple[object, ...]]:
    return rows(db, "SELECT ref, datetime(due_at, 'unixepoch'), status, reason FROM deliveries"
                    " WHERE contact_id = ? ORDER BY due_at", person)


async def test_members_get_each_step_at_the_hour_of_their_own_zone(services: Services) -> None:
    code = await new_cohort(await facilitator(services), zone="Africa/Nairobi")
    ana, bea = Chat(services.engine, "ana"), Chat(services.engine, "bea")
    await ana.consent()
    await bea.consent()
    await remind(bea, "Time zone", "America/Bogota")
    await ana.send(f"/join {code}")
    assert "You're in “Spring group”" in ana.text and "Africa/Nairobi" in ana.text
    await bea.send(f"/join {code}")
    db = services.settings.database_path
    assert planned(db, 2) == [("day-1", "2026-01-16 07:00:00", "pending", None),
                              ("day-3", "2026-01-18 15:00:00", "pending", None),
                              ("day-7", "2026-01-22 07:00:00", "pending", None)]
    assert planned(db, 3) == [("day-1", "2026-01-16 15:00:00", "pending", None),
                              ("day-3", "2026-01-18 23:00:00", "pending", None),
                              ("day-7", "2026-01-22 15:00:00", "pending", None)]
    assert rows(db, "SELECT id, timezone FROM contacts ORDER BY id")[1:] == [(2, "Africa/Nairobi"),
                                                                             (3, "America/Bogota")]


async def test_the_deep_link_joins_after_consent(services: Services) -> None:
    code = await new_cohort(await facilitator(services))
    ana = Chat(services.engine, "ana")
    await ana.send(f"/start {code}")
    await ana.press("English")
    await ana.press("agree")
    assert "You're in “Spring group”" in ana.text
    assert len(planned(services.settings.database_path, 2)) == 3


async def test_a_late_joiner_gets_only_the_steps_still_ahead(services: Services, clock: FakeClock) -> None:
    code = await new_cohort(await facilitator(services))
    clock.advance(days=4)
    await member(services, code)
    assert planned(services.settings.database_path, 2) == [("day-7", "2026-01-22 07:00:00", "pending", None)]


async def test_joining_twice_is_harmless_and_a_bad_code_is_answered_kindly(services: Services) -> None:
    code = await new_cohort(await facilitator(services))
    ana = Chat(services.engine, "ana")
    await ana.consent()
    await ana.send(f"/join {code.lower()}")
    await ana.send(f"/join {code}")
    assert "already in" in ana.text
    await ana.send("/join NOPE2345")
    assert "couldn't find a group" in ana.text
    await ana.send("/join <script>")
    assert "couldn't find a group" in ana.text
    db = services.settings.database_path
    assert rows(db, "SELECT COUNT(*) FROM cohort_members") == [(1,)]
    assert rows(db, "SELECT COUNT(*) FROM deliveries") == [(3,)]


async def test_a_person_may_be_in_several_cohorts_and_leave_one(services: Services) -> None:
    fay = await facilitator(services)
    first = await new_cohort(fay, name="First")
    second = await new_cohort(fay, name="Second")
    ana = await member(services, first)
    await ana.send(f"/join {second}")
    await ana.send("/join")
    assert "• First" in ana.text and "• Second" in ana.text
    await ana.press("First")
    await ana.press("Yes, leave")
    assert "You've left “First”" in ana.text
    db = services.settings.database_path
    assert rows(db, "SELECT cohort_id, status, reason, COUNT(*) FROM deliveries GROUP BY 1, 2, 3"
                " ORDER BY 1") == [
        (1, "cancelled", "left", 3), (2, "pending", None, 3)]
    await ana.send(f"/join {first}")
    assert rows(db, "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'") == [(6,)]
    await ana.press_key("join:leaveyes:99")
    assert "no longer works" in ana.text


async def test_stop_cancels_follow_ups_and_start_brings_back_those_ahead(services: Services,
                                                                         clock: FakeClock) -> None:
    code = await new_cohort(await facilitator(services))
    ana = await member(services, code)
    await ana.send("/stop")
    db = services.settings.database_path
    assert {row[2:] for row in planned(db, 2)} == {("cancelled", "stopped")}
    steps = services.library.base.followups.steps
    await followup_tick(services.store, steps, clock.now())
    assert {row[2:] for row in planned(db, 2)} == {("cancelled", "stopped")}
    clock.advance(days=2)
    await ana.send("/start")
    await followup_tick(services.store, steps, clock.now())
    assert [row[0::2] for row in planned(db, 2)] == [("day-1", "cancelled"), ("day-3", "pending"),
                                                     ("day-7", "pending")]


async def test_forget_removes_membership_and_follow_ups(services: Services) -> None:
    code = await new_cohort(await facilitator(services))
    ana = await member(services, code)
    await remind(ana, "Set a time", "20:00")
    await ana.send("/forget")
    await ana.press("Yes, delete")
    assert "groups you were in: 1" in ana.text
    db = services.settings.database_path
    for table in ("cohort_members", "deliveries", "reminder_settings"):
        assert rows(db, f"SELECT COUNT(*) FROM {table}") == [(0,)]
    assert rows(db, "SELECT COUNT(*) FROM cohorts") == [(1,)]


async def test_a_facilitator_who_forgets_leaves_the_cohort_to_its_members(services: Services) -> None:
    fay = await facilitator(services)
    code = await new_cohort(fay)
    await member(services, code)
    await fay.send("/forget")
    await fay.press("Yes, delete")
    db = services.settings.database_path
    assert rows(db, "SELECT owner_id, status FROM cohorts") == [(None, "open")]
    assert rows(db, "SELECT DISTINCT contact_id FROM facilitator_audit") == [(None,)]
    assert rows(db, "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'") == [(3,)]


async def test_ones_cohorts_on_the_same_day_are_listed_oldest_first_even_after_a_date_change(
        services: Services) -> None:
    """Cohorts on one workshop day come in the order they were made, whatever rows the engine rewrote since."""
    fay = await facilitator(services)
    codes = [await new_cohort(fay, name=name) for name in ("First", "Second", "Third")]
    ana = await member(services, codes[0])
    for code in codes[1:]:
        await ana.send(f"/join {code}")
    await manage(fay, "Change date", "First")
    await fay.send("2026-02-01")
    await manage(fay, "Change date", "First")
    await fay.send("2026-01-15")
    await ana.send("/join")
    assert [line for line in ana.text.splitlines() if line.startswith("•")] == ["• First", "• Second", "• Third"]
