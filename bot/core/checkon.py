"""The rules of 'check on me', as pure functions: when a rule fires, and when its countdown ends.

A rule fires after `quiet_days` without a check-in, or after `low_streak` "very low" check-ins in a row,
counting only what happened since it was (re)armed. The person is asked first; the countdown to telling their
buddy runs only outside the person's own quiet hours, so nobody is reported for sleeping.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.timing import QuietHours, local_now, minute_of_day

VERY_LOW = 1
COUNTDOWN = timedelta(hours=12)
STEP = timedelta(minutes=15)
QUIET_DAY_CHOICES = (2, 3, 7)
LOW_STREAK_CHOICE = 2


def fires(quiet_days: int | None, low_streak: int | None, since: datetime, moods: Sequence[tuple[datetime, int]],
          now: datetime) -> bool:
    """Whether a rule armed at `since` fires now, given the person's check-ins (time, mood), oldest first."""
    after = [(at, mood) for at, mood in moods if at >= since]
    if quiet_days is not None:
        last = after[-1][0] if after else since
        if now - last >= timedelta(days=quiet_days):
            return True
    if low_streak is not None and len(after) >= low_streak:
        return all(mood == VERY_LOW for _, mood in after[-low_streak:])
    return False


def countdown_end(start: datetime, quiet: QuietHours | None, zone: str, length: timedelta = COUNTDOWN) -> datetime:
    """When `length` of the person's waking time (outside their quiet hours) has passed since `start`."""
    left, moment = length, start
    while left > timedelta(0):
        if quiet is None or not quiet.contains(minute_of_day(local_now(moment, zone))):
            left -= STEP
        moment += STEP
    return moment
