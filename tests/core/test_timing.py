from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.core.timing import QuietHours, followup_due, next_daily
from bot.core.zones import parse_clock, parse_zone, zone_choice

pytestmark = pytest.mark.both_engines


def test_followup_lands_at_the_local_hour_in_each_zone() -> None:
    workshop = date(2026, 1, 15)
    assert followup_due(workshop, 1, 10, "Africa/Nairobi") == datetime(2026, 1, 16, 7, 0, tzinfo=UTC)
    assert followup_due(workshop, 1, 10, "Africa/Lagos") == datetime(2026, 1, 16, 9, 0, tzinfo=UTC)
    assert followup_due(workshop, 1, 10, "America/Bogota") == datetime(2026, 1, 16, 15, 0, tzinfo=UTC)


def test_followup_keeps_the_local_hour_across_a_daylight_saving_change() -> None:
    # Paris moves from UTC+1 to UTC+2 on 29 March 2026.
    before = followup_due(date(2026, 3, 27), 1, 10, "Europe/Paris")
    after = followup_due(date(2026, 3, 27), 3, 10, "Europe/Paris")
    assert before == datetime(2026, 3, 28, 9, 0, tzinfo=UTC)
    assert after == datetime(2026, 3, 30, 8, 0, tzinfo=UTC)


def test_sao_paulo_history_with_daylight_saving_is_respected() -> None:
    # Brazil still had summer time in 2018: UTC-3 until 4 November, then UTC-2.
    assert followup_due(date(2018, 11, 2), 1, 10, "America/Sao_Paulo") == datetime(2018, 11, 3, 13, tzinfo=UTC)
    assert followup_due(date(2018, 11, 2), 3, 10, "America/Sao_Paulo") == datetime(2018, 11, 5, 12, tzinfo=UTC)


def test_next_daily_is_strictly_later_and_follows_the_zone() -> None:
    now = datetime(2026, 3, 28, 18, 0, tzinfo=UTC)  # 19:00 in Paris
    assert next_daily(now, 19 * 60, "Europe/Paris") == datetime(2026, 3, 29, 17, 0, tzinfo=UTC)
    assert next_daily(now, 20 * 60, "Europe/Paris") == datetime(2026, 3, 28, 19, 0, tzinfo=UTC)


def test_quiet_hours_wrap_past_midnight() -> None:
    quiet = QuietHours(22 * 60, 7 * 60)
    assert quiet.contains(23 * 60) and quiet.contains(3 * 60)
    assert not quiet.contains(7 * 60) and not quiet.contains(12 * 60)
    night = datetime(2026, 1, 15, 21, 30, tzinfo=UTC)  # 00:30 in Nairobi
    assert quiet.until(night, "Africa/Nairobi") == datetime(2026, 1, 16, 4, 0, tzinfo=UTC)
    assert quiet.until(datetime(2026, 1, 15, 9, tzinfo=UTC), "Africa/Nairobi") is None
    assert not QuietHours(0, 0).contains(0)


def test_typed_zones_and_times_are_read_or_refused() -> None:
    assert parse_zone(" africa/nairobi ") == "Africa/Nairobi"
    assert parse_zone("America/Sao Paulo") == "America/Sao_Paulo"
    for nonsense in ("", "Nairobi", "../../etc/passwd", "Mars/Olympus", "x" * 100):
        assert parse_zone(nonsense) is None
    assert zone_choice("0") == "Africa/Nairobi"
    assert zone_choice("99") is None and zone_choice("-1") is None
    assert parse_clock("19:30") == 1170 and parse_clock("8") == 480 and parse_clock("7.05") == 425
    for bad in ("25:00", "12:60", "noon", "", "1930"):
        assert parse_clock(bad) is None
