"""Follow-ups after the workshop: one outbox row per member and step, at the step's hour in the member's zone.

Rows are keyed `followup:<cohort>:<contact>:<step>`, so planning again never doubles a message; a cancelled
row stays cancelled unless it was cancelled for a reason that has gone away (the person wrote again after
/stop or after blocking the bot, or joined again after leaving).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.domain import Cohort, CohortStatus, NewDelivery
from bot.core.ports import Store
from bot.core.timing import followup_due
from bot.library.schema import FollowUpStep

KIND = "followup"
REVIVABLE = ("stopped", "blocked", "left")
DATE_CHANGED = "date_changed"


def idem_key(cohort_id: int, contact_id: int, step_id: str) -> str:
    return f"{KIND}:{cohort_id}:{contact_id}:{step_id}"


async def sync_cohort(store: Store, steps: Sequence[FollowUpStep], cohort: Cohort, now: datetime, *,
                      contact_id: int | None = None, retime: bool = False) -> int:
    """Plan the cohort's future steps for its members (or one member); return how many rows were added.

    With `retime`, pending rows also move to the current workshop date and time zones (a changed date or
    zone); rows whose new moment has passed are cancelled.
    """
    if cohort.status != CohortStatus.OPEN or not steps:
        return 0
    members = await store.cohorts.member_zones(cohort.id, contact_id)
    await store.deliveries.revive(cohort.id, [member for member, _ in members], REVIVABLE, now)
    rows: list[NewDelivery] = []
    moves: list[tuple[str, datetime]] = []
    for member, zone in members:
        for step in steps:
            due = followup_due(cohort.workshop_date, step.day, step.hour, zone)
            key = idem_key(cohort.id, member, step.id)
            moves.append((key, due))
            if due > now:
                rows.append(NewDelivery(member, KIND, key, due, {"step": step.id}, cohort.id, step.id))
    if retime:
        await store.deliveries.retime(moves, now, DATE_CHANGED)
    return await store.deliveries.enqueue_many(rows, now)


async def sync_contact(store: Store, steps: Sequence[FollowUpStep], contact_id: int, now: datetime) -> None:
    """Re-time one person's follow-ups in every cohort they belong to (their time zone changed)."""
    for cohort in await store.cohorts.memberships(contact_id):
        await sync_cohort(store, steps, cohort, now, contact_id=contact_id, retime=True)


async def followup_tick(store: Store, steps: Sequence[FollowUpStep], now: datetime) -> int:
    """Plan what is missing for every open cohort whose plan is not over yet (cheap when nothing is)."""
    if not steps:
        return 0
    horizon = max(step.day for step in steps) + 2
    added = 0
    for cohort in await store.cohorts.open_since((now - timedelta(days=horizon)).date()):
        added += await sync_cohort(store, steps, cohort, now)
    return added
