"""Everything stored about one person, found through foreign keys so new tables are never missed.

The rows come out readable: decrypted, times on the person's own clock, JSON columns as nested values (not a
string inside a string), minutes of the day as "19:30". bot/core/features/privacy.py adds labels from content.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.storage.crypto import DecryptError, Vault
from bot.storage.db import Database

HIDDEN_COLUMNS = frozenset({"lookup"})  # keyed hashes mean nothing to a person
JSON_COLUMNS = frozenset({"answers", "data", "payload"})  # encrypted JSON: shown as what it holds
MINUTE_COLUMNS = frozenset({"at_minute", "quiet_start", "quiet_end"})  # minutes of the person's local day


def local_time(value: int, zone: ZoneInfo) -> str:
    """Unix seconds as a person reads them: '2026-03-14 18:30 (Africa/Nairobi)'."""
    return f"{datetime.fromtimestamp(value, UTC).astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"


def _readable(column: str, value: Any, vault: Vault, zone: ZoneInfo) -> Any:
    if isinstance(value, bytes):
        try:
            value = vault.decrypt(value)
        except DecryptError:
            return None
        if column in JSON_COLUMNS:
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value
    if column in MINUTE_COLUMNS and isinstance(value, int):
        return f"{value // 60:02d}:{value % 60:02d}"
    if (column == "at" or column.endswith("_at")) and isinstance(value, int):
        return local_time(value, zone)
    return value


async def export_contact(db: Database, vault: Vault, contact_id: int,
                         zone: str = "UTC") -> dict[str, list[dict[str, Any]]]:
    """Return {table: [row, …]} for the contact row and every row that refers to it, decrypted and readable."""
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):  # a zone name no longer known
        tz = ZoneInfo("UTC")
    result: dict[str, list[dict[str, Any]]] = {}
    sources = [("contacts", "id"), *await db.references("contacts")]
    async with db.tx() as conn:
        for table, column in sources:
            async with conn.execute(f"SELECT * FROM {table} WHERE {column} = ?", (contact_id,)) as cursor:  # noqa: S608
                rows = await cursor.fetchall()
            for row in rows:
                item = {name: _readable(name, row[name], vault, tz) for name in row.keys()  # noqa: SIM118
                        if name not in HIDDEN_COLUMNS}
                result.setdefault(table, []).append(item)
    return result
