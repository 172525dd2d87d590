"""What follows when a person's time zone changes: their reminder and follow-ups move to the new clock."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.library.schema import FollowUpStep
from bot.scheduling.followups import sync_contact
from bot.scheduling.reminders import plan_reminder
from bot.storage.store import Store


async def change_timezone(store: Store, steps: Sequence[FollowUpStep], contact_id: int, zone: str,
                          now: datetime) -> None:
    """Set the person's zone, then re-time their pending follow-ups and their next reminder."""
    await store.contacts.update(contact_id, timezone=zone)
    await sync_contact(store, steps, contact_id, now)
    settings = await store.reminders.get(contact_id)
    if settings.enabled:
        await plan_reminder(store, contact_id, settings, zone, now)
