"""Daily reminders: the minute tick turns each due reminder setting into one outbox row for that local day.

Whether the person already checked in is decided at send time (see render.py); a reminder missed by more
than an hour (the bot was down, or the person had sent /stop) is skipped, never sent late.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.domain import DueReminder, NewDelivery, ReminderSettings
from bot.core.ports import Store
from bot.core.timing import local_now, next_daily

KIND = "reminder"
STALE_AFTER = timedelta(hours=1)
BATCH = 500


def reminder_row(due: DueReminder, now: datetime) -> NewDelivery | None:
    """The row for the person's most recent reminder moment, unless that moment is over an hour ago."""
    moment = next_daily(now - STALE_AFTER - timedelta(seconds=1), due.minute, due.timezone)
    if moment > now:
        return None
    day = local_now(moment, due.timezone).date().isoformat()
    return NewDelivery(due.contact_id, KIND, f"{KIND}:{due.contact_id}:{day}", moment, {"day": day})


async def reminder_tick(store: Store, now: datetime) -> int:
    """Enqueue every reminder whose time has come and move each setting on to its next moment."""
    added = 0
    while True:
        due = await store.reminders.due(now, BATCH)
        rows = [row for row in (reminder_row(item, now) for item in due) if row is not None]
        added += await store.deliveries.enqueue_many(rows, now)
        await store.reminders.set_next([(item.contact_id, next_daily(now, item.minute, item.timezone))
                                        for item in due])
        if len(due) < BATCH:
            return added


async def plan_reminder(store: Store, contact_id: int, settings: ReminderSettings, zone: str,
                        now: datetime) -> ReminderSettings:
    """Save the settings with the next reminder instant worked out in `zone`; return what was saved."""
    next_at = next_daily(now, settings.minute, zone) if settings.enabled else None
    saved = replace(settings, next_at=next_at)
    await store.reminders.save(contact_id, saved, now)
    if not settings.enabled:
        await store.deliveries.cancel_pending(contact_id, "reminder_off", now, (KIND,))
    return saved
