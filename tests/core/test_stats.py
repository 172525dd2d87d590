"""/stats: cohort figures only where at least five people contribute, never a person, with a trend chart."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from bot.storage.stats import K_MIN
from tests.broadcasting import crowd
from tests.helpers import Chat, rows
from tests.outbox import facilitator, new_cohort

pytestmark = pytest.mark.both_engines

PNG = b"\x89PNG\r\n\x1a\n"


async def cohort_of(services: Services, clock: FakeClock, members: int) -> tuple[Chat, list[int]]:
    """Fay's cohort with members who joined 40 days ago (so joining does not count as recent activity)."""
    fay = await facilitator(services)
    await new_cohort(fay)
    ids = await crowd(services, 1, members)
    clock.advance(days=40)
    return fay, ids


async def check_in(services: Services, ids: list[int], mood: int, days_ago: float) -> None:
    at = services.clock.now() - timedelta(days=days_ago)
    for contact_id in ids:
        await services.store.checkins.add(contact_id, mood, at)


async def test_fewer_than_five_members_show_no_figures(services: Services, clock: FakeClock) -> None:
    fay, ids = await cohort_of(services, clock, K_MIN - 1)
    await check_in(services, ids, 3, days_ago=1)
    replies = await fay.send("/stats")
    assert replies[0].text.startswith("“Spring group” has 4 member(s).\nFigures appear once at least 5 people")
    assert all(reply.image is None for reply in replies)
    assert rows(services.settings.database_path, "SELECT action, cohort_id FROM facilitator_audit")[-1] == (
        "stats_viewed", 1)


async def test_figures_show_at_five_contributors_and_hide_below(services: Services, clock: FakeClock) -> None:
    fay, ids = await cohort_of(services, clock, K_MIN)
    await check_in(services, ids, 2, days_ago=10)
    await check_in(services, ids, 4, days_ago=2)
    for contact_id in ids[:4]:  # only four people did an exercise: hidden
        await services.store.completions.add(contact_id, "here-and-now", "self", clock.now() - timedelta(days=1),
                                             None)
    replies = await fay.send("/stats")
    text = replies[0].text
    assert "members: 5\nActive in the last 7 days: 5\nActive in the last 30 days: 5" in text
    assert "• to 24/02: 5 · – · 4.0" in text and "• to 17/02: 5 · – · 2.0" in text
    assert "10/02" not in text, "weeks before anything happened are left out"
    assert "😕 Low: 50%" in text and "🙂 Good: 50%" in text and "😞 Very low: 0%" in text
    assert "a little lighter lately" in text
    assert "– means fewer than 5 people took part" in text
    chart = replies[0].image
    assert chart is not None and chart.png.startswith(PNG)
    assert not any(f"p{n}" in reply.text for reply in replies for n in range(K_MIN))


async def test_four_people_checking_in_keep_moods_hidden(services: Services, clock: FakeClock) -> None:
    fay, ids = await cohort_of(services, clock, 6)
    await check_in(services, ids[:4], 1, days_ago=3)
    await check_in(services, ids[:4], 1, days_ago=12)
    replies = await fay.send("/stats")
    text = replies[0].text
    assert "Active in the last 7 days: –" in text
    assert "fewer than 5 people checked in during the last 30 days" in text
    assert "Very low" not in text and "1.0" not in text
    assert "No chart yet" in text
    assert all(reply.image is None for reply in replies)


async def test_several_cohorts_are_offered_to_choose(services: Services, clock: FakeClock) -> None:
    fay, _ = await cohort_of(services, clock, 1)
    await new_cohort(fay, name="Autumn group")
    await fay.send("/stats")
    assert [c.key for c in fay.choices] == ["stats:show:2", "stats:show:1"]
    await fay.press("Spring")
    assert "“Spring group” has 1 member(s)" in fay.text
    await fay.press("Write to them")
    assert "Who should get this message?" in fay.text
