from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Services
from bot.config import Settings
from bot.core.clock import FakeClock
from tests.helpers import Chat, rows, stored_bytes
from tests.outbox import facilitator, manage, member, new_cohort, plan_settings

pytestmark = pytest.mark.both_engines


@pytest.fixture
def settings(tmp_path: Path, engine: str) -> Settings:
    return plan_settings(tmp_path, engine)


async def test_a_facilitator_creates_a_cohort_with_a_code_link_and_qr(services: Services) -> None:
    services.engine.bot_username = "CompanionBot"
    fay = await facilitator(services)
    code = await new_cohort(fay, name="Nairobi March")
    assert f"https://t.me/CompanionBot?start={code}" in fay.text
    picture = fay.replies[-1].image
    assert picture is not None and picture.png.startswith(b"\x89PNG")
    db = services.settings.database_path
    assert rows(db, "SELECT code, workshop_date, language, timezone, status FROM cohorts") == [
        (code, "2026-01-15", "en", "Africa/Nairobi", "open")]
    assert b"Nairobi March" not in stored_bytes(db)
    assert rows(db, "SELECT action, cohort_id FROM facilitator_audit ORDER BY id")[-1] == ("cohort_created", 1)


async def test_without_a_bot_username_the_link_is_the_start_command(services: Services) -> None:
    fay = await facilitator(services)
    code = await new_cohort(fay)
    assert f"/start {code}" in fay.text


async def test_nonsense_answers_are_refused_kindly_and_asked_again(services: Services) -> None:
    fay = await facilitator(services)
    await fay.send("/newcohort")
    await fay.send("x" * 61)
    assert "1 to 60" in fay.text
    await fay.send("Group")
    await fay.send("the 32nd of Smarch")
    assert "couldn't read that date" in fay.text
    await fay.send("2031-01-01")
    assert "more than a year" in fay.text
    await fay.press("Today")
    await fay.send("2026-01-15")
    assert "Which language" in fay.text
    await fay.press("English")
    await fay.send("Mars/Olympus_Mons")
    assert "don't know that place or time zone" in fay.text
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM cohorts") == [(0,)]
    await fay.press("Lagos")
    assert "is ready" in fay.text
    assert rows(services.settings.database_path, "SELECT timezone FROM cohorts") == [("Africa/Lagos",)]


async def test_cohorts_lists_member_counts_and_only_the_owners_cohorts(services: Services) -> None:
    fay = await facilitator(services)
    code = await new_cohort(fay, name="Fay's group")
    gil = await facilitator(services, "gil")
    await new_cohort(gil, name="Gil's group")
    for name in ("ana", "bea"):
        person = Chat(services.engine, name)
        await person.consent()
        await person.send(f"/join {code}")
    await fay.send("/cohorts")
    assert "Fay's group — 2026-01-15 — 2 members —" in fay.text
    assert "Gil's group" not in fay.text
    await fay.press_key("cohorts:show:2")
    assert "no longer works" in fay.text


async def test_changing_the_workshop_date_moves_pending_follow_ups(services: Services, clock: FakeClock) -> None:
    fay = await facilitator(services)
    code = await new_cohort(fay)
    await member(services, code)
    db = services.settings.database_path
    before = rows(db, "SELECT ref, due_at FROM deliveries WHERE status = 'pending' ORDER BY due_at")
    await manage(fay, "Change date")
    await fay.send("2026-01-20")
    assert "2026-01-20" in fay.text
    after = rows(db, "SELECT ref, due_at FROM deliveries WHERE status = 'pending' ORDER BY due_at")
    assert [ref for ref, _ in after] == [ref for ref, _ in before] == ["day-1", "day-3", "day-7"]
    assert all(int(str(new)) - int(str(old)) == 5 * 86400 for (_, old), (_, new) in zip(before, after, strict=True))
    assert rows(db, "SELECT action FROM facilitator_audit ORDER BY id")[-1] == ("date_changed",)


async def test_moving_the_date_earlier_cancels_moments_that_have_passed(services: Services) -> None:
    fay = await facilitator(services)
    code = await new_cohort(fay)
    await member(services, code)
    await manage(fay, "Change date")
    await fay.send("2026-01-11")  # day 1 and day 3 are now in the past; day 7 (18 Jan) is not
    db = services.settings.database_path
    assert rows(db, "SELECT ref, status, reason FROM deliveries ORDER BY ref") == [
        ("day-1", "cancelled", "date_changed"), ("day-3", "cancelled", "date_changed"), ("day-7", "pending", None)]


async def test_closing_a_cohort_cancels_follow_ups_and_the_code(services: Services) -> None:
    fay = await facilitator(services)
    code = await new_cohort(fay)
    await member(services, code)
    await manage(fay, "Close cohort")
    await fay.press("Yes, close")
    db = services.settings.database_path
    assert rows(db, "SELECT DISTINCT status, reason FROM deliveries") == [("cancelled", "cohort_closed")]
    assert rows(db, "SELECT status FROM cohorts") == [("closed",)]
    bea = await member(services, code, "bea")
    assert "closed" in bea.text
    assert rows(db, "SELECT COUNT(*) FROM cohort_members") == [(1,)]
    await fay.press_key("cohorts:closeyes:1")
    assert "no longer works" in fay.text
