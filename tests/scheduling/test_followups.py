from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Services
from bot.config import Settings
from bot.core.clock import FakeClock
from bot.core.proactive.followups import followup_tick
from tests.helpers import rows
from tests.outbox import FakeSender, dispatcher, facilitator, member, new_cohort, plan_settings, remind, utc

pytestmark = pytest.mark.both_engines


@pytest.fixture
def settings(tmp_path: Path, engine: str) -> Settings:
    return plan_settings(tmp_path, engine)


async def test_a_follow_up_arrives_at_its_hour_and_starts_its_exercise(services: Services, clock: FakeClock) -> None:
    code = await new_cohort(await facilitator(services))
    ana = await member(services, code)
    sender = FakeSender()
    clock.set(utc("2026-01-16T06:59:00+00:00"))
    await dispatcher(services, sender).drain()
    assert sender.sent == []
    clock.set(utc("2026-01-16T07:00:00+00:00"))  # 10:00 in Nairobi
    await dispatcher(services, sender).drain()
    assert sender.texts("ana") == ["A small moment for you today 🌱 How are you doing since the workshop?"]
    choice = sender.sent[0].replies[0].choices[0]
    assert choice.key == "reflect:go:here-and-now"
    await ana.press_key(choice.key)
    assert "Here and now" in ana.text


async def test_the_text_is_chosen_at_send_time_not_when_planned(services: Services, clock: FakeClock) -> None:
    code = await new_cohort(await facilitator(services))
    await member(services, code)
    payloads = [d.payload for d in await services.store.deliveries.claim_due(utc("2026-02-01T00:00:00+00:00"), 9)]
    assert payloads == [{"step": "day-1"}, {"step": "day-3"}, {"step": "day-7"}]


async def test_a_step_removed_from_the_plan_is_not_sent(services: Services, clock: FakeClock) -> None:
    code = await new_cohort(await facilitator(services))
    await member(services, code)
    await services.store.deliveries.enqueue(2, "followup", "followup:1:2:gone", clock.now(), {"step": "gone"},
                                            clock.now(), cohort_id=1, ref="gone")
    await dispatcher(services, FakeSender()).drain()
    assert rows(services.settings.database_path, "SELECT status, reason FROM deliveries WHERE ref = 'gone'") == [
        ("cancelled", "step_removed")]


async def test_the_tick_plans_members_added_while_the_bot_was_away(services: Services, clock: FakeClock) -> None:
    code = await new_cohort(await facilitator(services))
    await member(services, code)
    db = services.settings.database_path
    rows(db, "DELETE FROM deliveries")  # rows lost, e.g. restored from an older backup
    steps = services.library.base.followups.steps
    assert await followup_tick(services.store, steps, clock.now()) == 3
    assert await followup_tick(services.store, steps, clock.now()) == 0
    clock.advance(days=200)
    assert await services.store.cohorts.open_since(clock.now().date()) == []
    assert await followup_tick(services.store, steps, clock.now()) == 0


async def test_changing_ones_time_zone_moves_ones_follow_ups(services: Services) -> None:
    code = await new_cohort(await facilitator(services))
    ana = await member(services, code)
    await remind(ana, "Time zone", "Europe/Paris")
    assert "Europe/Paris" in ana.text
    assert rows(services.settings.database_path, "SELECT ref, datetime(due_at, 'unixepoch') FROM deliveries"
                " ORDER BY due_at") == [("day-1", "2026-01-16 09:00:00"), ("day-3", "2026-01-18 17:00:00"),
                                        ("day-7", "2026-01-22 09:00:00")]


async def test_follow_ups_keep_the_local_hour_across_the_clock_change(services: Services, clock: FakeClock) -> None:
    clock.set(utc("2026-03-27T09:00:00+00:00"))  # Paris moves to summer time on 29 March
    code = await new_cohort(await facilitator(services), day="2026-03-27", zone="Europe/Paris")
    await member(services, code)
    assert rows(services.settings.database_path, "SELECT ref, datetime(due_at, 'unixepoch') FROM deliveries"
                " ORDER BY due_at") == [("day-1", "2026-03-28 09:00:00"), ("day-3", "2026-03-30 16:00:00"),
                                        ("day-7", "2026-04-03 08:00:00")]
    sender = FakeSender()
    clock.set(utc("2026-03-30T16:00:00+00:00"))
    await dispatcher(services, sender).drain()
    assert sender.texts() == ["Thinking of you this evening 🌱 One kind word to yourself counts."]
    assert rows(services.settings.database_path, "SELECT ref, status, reason FROM deliveries ORDER BY due_at")[:2] \
        == [("day-1", "cancelled", "expired"), ("day-3", "sent", None)]  # day 1 was two days late: not sent
