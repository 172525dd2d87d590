"""/stats: figures for closed weeks only, published once with noise and then frozen, rounded, hidden below five."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.timing import at_local
from bot.storage import stats
from bot.storage.noise import EPSILON, EPSILON_COUNT, EPSILON_MOOD
from bot.storage.stats import K_MIN
from bot.storage.support import NewRequest
from bot.storage.volunteers import Reach
from tests.broadcasting import crowd
from tests.helpers import ROOT, Chat, rows
from tests.outbox import facilitator, new_cohort

pytestmark = pytest.mark.both_engines

PNG = b"\x89PNG\r\n\x1a\n"


async def cohort_of(services: Services, clock: FakeClock, members: int) -> tuple[Chat, list[int]]:
    """Fay's cohort (Nairobi time) with members who joined 40 days ago."""
    fay = await facilitator(services)
    await new_cohort(fay)
    ids = await crowd(services, 1, members)
    clock.advance(days=40)
    return fay, ids


async def check_in(services: Services, ids: list[int], mood: int, at: datetime) -> None:
    for contact_id in ids:
        await services.store.checkins.add(contact_id, mood, at)


def published(services: Services) -> list[tuple[object, ...]]:
    return rows(services.settings.database_path, "SELECT * FROM stats_published ORDER BY week_start")


async def test_fewer_than_five_members_show_no_figures(services: Services, clock: FakeClock) -> None:
    fay, ids = await cohort_of(services, clock, K_MIN - 1)
    await check_in(services, ids, 3, clock.now() - timedelta(days=8))
    replies = await fay.send("/stats")
    assert replies[0].text.startswith("“Spring group” has 4 members.\nFigures appear once at least 5 people")
    assert all(reply.image is None for reply in replies)
    assert rows(services.settings.database_path, "SELECT action, cohort_id FROM facilitator_audit")[-1] == (
        "stats_viewed", 1)
    assert published(services) == [], "nothing is measured for a cohort this small"


async def test_only_closed_weeks_count_and_once_published_they_never_change(services: Services,
                                                                            clock: FakeClock) -> None:
    clock.set(datetime(2026, 1, 15, 9, tzinfo=UTC))  # a Thursday
    fay, ids = await cohort_of(services, clock, 100)  # 40 days later: Tuesday 24 February, 12:00 in Nairobi
    await check_in(services, ids[:60], 4, clock.now() - timedelta(days=8))  # Monday 16 February
    await check_in(services, ids[:60], 2, clock.now() - timedelta(hours=1))  # this week: not closed yet
    first = (await fay.send("/stats"))[0]
    stored = published(services)
    assert [row[1] for row in stored] == ["2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02", "2026-02-09",
                                          "2026-02-16"], "closed weeks only, the cohort's first week onwards"
    assert "week to 22/02" in first.text and "week to 01/03" not in first.text
    assert "Figures are for complete weeks, Monday to Sunday" in first.text

    await check_in(services, ids, 1, clock.now() - timedelta(days=8))  # late rows in a closed week change nothing
    clock.advance(hours=3)
    again = (await fay.send("/stats"))[0]
    assert again.text == first.text and published(services) == stored

    clock.advance(days=6)  # Monday 2 March in Nairobi: the week of 23 February has closed
    later = (await fay.send("/stats"))[0]
    assert published(services)[:-1] == stored and published(services)[-1][1] == "2026-02-23"
    assert "week to 01/03" in later.text


async def test_the_figures_are_rounded_blurred_and_still_useful(services: Services, clock: FakeClock) -> None:
    fay, ids = await cohort_of(services, clock, 100)
    await check_in(services, ids[:60], 4, clock.now() - timedelta(days=8))
    await check_in(services, ids[60:], 2, clock.now() - timedelta(days=8))
    await check_in(services, ids[:80], 5, clock.now() - timedelta(days=15))
    await check_in(services, ids[80:], 1, clock.now() - timedelta(days=15))
    replies = await fay.send("/stats")
    text = replies[0].text
    active = int(re.search(r"Active last week: (\d+)", text).group(1))  # type: ignore[union-attr]
    assert active % 5 == 0 and abs(active - 100) <= 40
    weeks = [line for line in text.splitlines() if line.startswith("• week to ")]
    moods = [float(line.rsplit("·", 1)[1]) for line in weeks[-2:]]
    assert all(m * 2 == int(m * 2) for m in moods), "averages to the nearest half point"
    assert 3.5 <= moods[0] <= 4.5 and 2.5 <= moods[1] <= 3.5
    shares = [int(share) for share in re.findall(r": (\d+)%$", text, re.MULTILINE)]
    assert len(shares) == 5 and all(share % 10 == 0 for share in shares)
    assert "a little heavier lately" in text
    chart = replies[0].image
    assert chart is not None and chart.png.startswith(PNG)
    assert not any(f"p{n}" in reply.text for reply in replies for n in range(100))


async def test_weeks_follow_the_cohorts_clock(services: Services, clock: FakeClock) -> None:
    """Sunday 22:00 UTC is already Monday 01:00 in Nairobi: the cohort's week has closed, a UTC week would not."""
    clock.set(datetime(2026, 1, 15, 9, tzinfo=UTC))
    fay, _ = await cohort_of(services, clock, K_MIN)
    clock.set(datetime(2026, 3, 1, 22, tzinfo=UTC))
    await fay.send("/stats")
    assert published(services)[-1][1] == "2026-02-23"


def test_what_is_shown_is_rounded_and_hidden_below_five() -> None:
    shown_count, shown_mood, shown_shares = stats.shown_count, stats.shown_mood, stats.shown_shares
    assert [shown_count(n) for n in (0, 4, 5, 7, 8, 12, 13, 101)] == [None, None, 5, 5, 10, 10, 15, 100]
    assert shown_mood((0, 0, 0, 4, 0)) is None and shown_mood((0, 0, 0, 5, 0)) == 4.0
    assert shown_mood((1, 1, 1, 1, 1)) == 3.0 and shown_mood((0, 0, 0, 3, 2)) == 4.5
    assert shown_shares((0, 0, 0, 0, 4)) is None and shown_shares((1, 2, 0, 3, 4)) == (10, 20, 0, 30, 40)
    assert shown_shares((-3, 2, 0, 3, 5)) == (0, 20, 0, 30, 50) and shown_mood((-9, 0, 0, 4, 1)) == 4.0


def test_the_readme_states_the_privacy_parameters_opendp_reports() -> None:
    assert (EPSILON_COUNT, EPSILON_MOOD, EPSILON) == (0.25, 0.5, 2.0)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "ε = 2 per cohort per week" in readme and "ε = 0.5" in readme and "ε = 0.25" in readme


async def test_several_cohorts_are_offered_to_choose(services: Services, clock: FakeClock) -> None:
    fay, _ = await cohort_of(services, clock, 1)
    await new_cohort(fay, name="Autumn group")
    await fay.send("/stats")
    assert [c.key for c in fay.choices] == ["stats:show:2", "stats:show:1"]
    await fay.press("Spring")
    assert "“Spring group” has 1 member." in fay.text
    await fay.press("Write to them")
    assert "Who should get this message?" in fay.text


def support_counts(text: str) -> str:
    return text.split("Peer support in your groups", 1)[1].split("\n\n", 1)[0]


async def test_volunteers_counts_stay_still_when_one_person_asks_for_a_peer(services: Services,
                                                                            clock: FakeClock) -> None:
    """Viewing /volunteers before and after one member asks shows the same counts: nobody is singled out."""
    fay, ids = await cohort_of(services, clock, 6)
    await fay.send("/volunteers")
    before = support_counts(fay.text)
    member = Chat(services.engine, "p0")
    await member.send("/support")
    await member.press("Talk to a peer")
    assert "no peer supporter is free right now" in member.text
    await services.store.support.create(ids[1], NewRequest("en", "Sam", None, Reach.BOT, None), 1, clock.now())
    await fay.send("/volunteers")
    assert support_counts(fay.text) == before
    assert "last 4 complete weeks" in before and "Approved supporters: 0" in before


async def test_each_person_counts_once_a_week_whatever_they_did(services: Services, clock: FakeClock) -> None:
    """The noise is calibrated to one person moving each count by 1: check the counting keeps that promise."""
    _, ids = await cohort_of(services, clock, K_MIN)
    monday = datetime(2026, 2, 16, 9, tzinfo=UTC)
    for mood in (1, 1, 4):  # three check-ins, average 2: one person at level 2
        await services.store.checkins.add(ids[0], mood, monday)
    await services.store.checkins.add(ids[1], 5, monday + timedelta(days=2))
    await services.store.checkins.add(ids[1], 4, monday + timedelta(days=8))  # next week
    for _ in range(3):
        await services.store.support.create(ids[0], NewRequest("en", "Sam", None, Reach.BOT, None), 1, monday)
        await services.store.completions.add(ids[2], "here-and-now", "self", monday, None)
    week = at_local(monday.date(), 0, "Africa/Nairobi")  # the cohort's Monday 00:00
    begin, end = int(week.timestamp()), int((week + timedelta(weeks=1)).timestamp())
    measured = await services.store.stats._measure(1, begin, end)  # the true counts, before any noise
    assert measured == (3, 1, (0, 1, 0, 0, 1), (1, 0, 0))


async def test_a_new_cohort_waits_for_its_first_full_week(services: Services, clock: FakeClock) -> None:
    fay = await facilitator(services)
    await new_cohort(fay)
    ids = await crowd(services, 1, K_MIN)
    await check_in(services, ids, 4, clock.now())
    await fay.send("/stats")
    assert "Figures appear once the group's first full week (Monday to Sunday) is over" in fay.text
    assert published(services) == [] and "Good" not in fay.text
