"""Local-time arithmetic for follow-ups, reminders and quiet hours, done in each person's own time zone.

Everything returned is an aware UTC datetime; the zone is applied only to turn a local wall-clock moment into
an instant, so daylight-saving changes land where people expect them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.core.domain import DEFAULT_QUIET as DEFAULT_QUIET
from bot.core.domain import QuietHours as QuietHours
from bot.core.domain import at_local as at_local
from bot.core.domain import local_now as local_now
from bot.core.domain import zone_of as zone_of

MINUTES_PER_DAY = 24 * 60


def minute_of_day(moment: datetime) -> int:
    return moment.hour * 60 + moment.minute


def followup_due(workshop: date, day: int, hour: int, zone: str) -> datetime:
    """A follow-up step's instant: `day` days after the workshop, at `hour` on the person's own clock."""
    return at_local(workshop + timedelta(days=day), hour * 60, zone)


def next_daily(after: datetime, minute: int, zone: str) -> datetime:
    """The first instant strictly after `after` when the clock in `zone` shows `minute`."""
    today = local_now(after, zone).date()
    for offset in range(3):
        candidate = at_local(today + timedelta(days=offset), minute, zone)
        if candidate > after:
            return candidate
    raise AssertionError("a daily time always recurs within three days")


def clock_text(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"
