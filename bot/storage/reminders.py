"""Per-person reminder settings: a daily time (in the person's own zone), on or off, and quiet hours."""

from __future__ import annotations

from datetime import datetime

from bot.core.domain import DEFAULT_MINUTE as DEFAULT_MINUTE
from bot.core.domain import DueReminder as DueReminder
from bot.core.domain import QuietHours
from bot.core.domain import ReminderSettings as ReminderSettings
from bot.storage.contacts import from_ts, to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Database, Row


def _settings(row: Row) -> ReminderSettings:
    quiet = None if row["quiet_start"] is None else QuietHours(row["quiet_start"], row["quiet_end"])
    next_at = None if row["next_at"] is None else from_ts(row["next_at"])
    return ReminderSettings(bool(row["enabled"]), row["at_minute"], quiet, next_at)


class Reminders:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault

    async def get(self, contact_id: int) -> ReminderSettings:
        """The person's settings; the defaults (off, quiet 22:00–07:00) when they never chose."""
        async with self.db.tx() as conn, conn.execute(
            "SELECT * FROM reminder_settings WHERE contact_id = ?", (contact_id,)
        ) as cursor:
            row = await cursor.fetchone()
        return _settings(row) if row else ReminderSettings()

    async def save(self, contact_id: int, settings: ReminderSettings, now: datetime) -> None:
        quiet = settings.quiet
        next_at = to_ts(settings.next_at) if settings.enabled and settings.next_at else None
        async with self.db.tx() as conn:
            await conn.execute(
                "INSERT INTO reminder_settings (contact_id, enabled, at_minute, quiet_start, quiet_end, next_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (contact_id) DO UPDATE SET"
                " enabled = excluded.enabled, at_minute = excluded.at_minute, quiet_start = excluded.quiet_start,"
                " quiet_end = excluded.quiet_end, next_at = excluded.next_at, updated_at = excluded.updated_at",
                (contact_id, int(settings.enabled), settings.minute, quiet.start if quiet else None,
                 quiet.end if quiet else None, next_at, to_ts(now)),
            )

    async def due(self, now: datetime, limit: int = 500) -> list[DueReminder]:
        """Enabled reminders whose time has come, for people who may be written to."""
        async with self.db.tx() as conn, conn.execute(
            "SELECT r.contact_id, r.at_minute, r.next_at, p.timezone FROM reminder_settings r"
            " JOIN contacts p ON p.id = r.contact_id"
            " WHERE r.enabled = 1 AND r.next_at <= ? AND p.status = 'active' ORDER BY r.next_at LIMIT ?",
            (to_ts(now), limit),
        ) as cursor:
            rows = await cursor.fetchall()
        return [DueReminder(r[0], r[1], r[3], from_ts(r[2])) for r in rows]

    async def set_next(self, moves: list[tuple[int, datetime]]) -> None:
        """Move each (contact id, next instant) forward, in one transaction."""
        async with self.db.tx() as conn:
            await conn.executemany("UPDATE reminder_settings SET next_at = ? WHERE contact_id = ?",
                                   [(to_ts(when), contact_id) for contact_id, when in moves])
