"""Everything stored about one person, found through foreign keys so new tables are never missed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.storage.crypto import DecryptError, Vault
from bot.storage.db import Database

HIDDEN_COLUMNS = frozenset({"lookup"})  # keyed hashes mean nothing to a person


def _readable(column: str, value: Any, vault: Vault) -> Any:
    if isinstance(value, bytes):
        try:
            return vault.decrypt(value)
        except DecryptError:
            return None
    if (column == "at" or column.endswith("_at")) and isinstance(value, int):
        return datetime.fromtimestamp(value, UTC).isoformat()
    return value


async def export_contact(db: Database, vault: Vault, contact_id: int) -> dict[str, list[dict[str, Any]]]:
    """Return {table: [row, …]} for the contact row and every row that refers to it, decrypted."""
    result: dict[str, list[dict[str, Any]]] = {}
    sources = [("contacts", "id"), *await db.references("contacts")]
    async with db.tx() as conn:
        for table, column in sources:
            async with conn.execute(f"SELECT * FROM {table} WHERE {column} = ?", (contact_id,)) as cursor:  # noqa: S608
                rows = await cursor.fetchall()
            for row in rows:
                item = {name: _readable(name, row[name], vault) for name in row.keys()  # noqa: SIM118
                        if name not in HIDDEN_COLUMNS}
                result.setdefault(table, []).append(item)
    return result
