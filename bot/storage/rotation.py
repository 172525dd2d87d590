"""Re-encrypt every protected field under a new DATA_KEY, in one transaction.

Encrypted fields are found generically (every BLOB that opens with the old key), so tables added later are
covered. Look-up hashes of addresses are recomputed. Hashes of one-time codes cannot be, so such codes stop
working and must be issued again.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.storage.crypto import DecryptError, Vault
from bot.storage.db import Database


@dataclass
class RotationReport:
    fields: int = 0
    lookups: int = 0
    left: int = 0  # BLOBs that were not encrypted with the old key (e.g. hashes)


async def rotate_key(db: Database, old: Vault, new: Vault) -> RotationReport:
    report = RotationReport()
    async with db.tx() as conn:
        async with conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'") \
                as cursor:
            tables = [row[0] for row in await cursor.fetchall()]
        for table in tables:
            async with conn.execute(f"PRAGMA table_info({table})") as cursor:
                blobs = [row["name"] for row in await cursor.fetchall() if str(row["type"]).upper() == "BLOB"]
            for column in blobs:
                if (table, column) == ("contacts", "lookup"):
                    continue
                async with conn.execute(
                    f"SELECT rowid, {column} FROM {table} WHERE {column} IS NOT NULL"  # noqa: S608
                ) as cursor:
                    rows = await cursor.fetchall()
                for rowid, value in rows:
                    try:
                        plain = old.decrypt(value)
                    except DecryptError:
                        report.left += 1
                        continue
                    await conn.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?",  # noqa: S608
                                       (new.encrypt(plain), rowid))
                    report.fields += 1
        async with conn.execute("SELECT id, channel, address, lookup FROM contacts") as cursor:
            contacts = await cursor.fetchall()
        for contact_id, channel, address, was in contacts:
            lookup = new.lookup(f"{channel}:{new.decrypt(address)}")
            await conn.execute("UPDATE contacts SET lookup = ? WHERE id = ?", (lookup, contact_id))
            # a /report block names the other person by this hash (one whose person has forgotten cannot follow)
            await conn.execute("UPDATE support_shields SET other = ? WHERE other = ?", (lookup, was))
            report.lookups += 1
    await db.checkpoint()
    return report
