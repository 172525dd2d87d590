"""What follows when a person's time zone changes: their reminder and follow-ups move to the new clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.ports import Store
from bot.core.proactive.followups import sync_contact
from bot.core.proactive.reminders import plan_reminder
from bot.library.schema import FollowUpStep


async def change_timezone(store: Store, steps: Sequence[FollowUpStep], contact_id: int, zone: str,
                          now: datetime) -> None:
    """Set the person's zone, then re-time their pending follow-ups and their next reminder."""
    await store.contacts.update(contact_id, timezone=zone)
    await sync_contact(store, steps, contact_id, now)
    settings = await store.reminders.get(contact_id)
    if settings.enabled:
        await plan_reminder(store, contact_id, settings, zone, now)
