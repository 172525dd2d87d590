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
    columns = [(table, column) for table in await db.tables() for column in await db.blob_columns(table)
               if (table, column) != ("contacts", "lookup")]
    async with db.tx() as conn:
        for table, column in columns:
            rows = await conn.fetchall(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")  # noqa: S608
            for (value,) in ((row[0],) for row in rows):
                try:
                    plain = old.decrypt(bytes(value))
                except DecryptError:
                    report.left += 1
                    continue
                # Each ciphertext has its own random nonce, so the old value names its row on every engine.
                await conn.execute(f"UPDATE {table} SET {column} = ? WHERE {column} = ?",  # noqa: S608
                                   (new.encrypt(plain), value))
                report.fields += 1
        contacts = await conn.fetchall("SELECT id, channel, address FROM contacts")
        for contact_id, channel, address in ((row[0], row[1], row[2]) for row in contacts):
            lookup = new.lookup(f"{channel}:{new.decrypt(bytes(address))}")
            await conn.execute("UPDATE contacts SET lookup = ? WHERE id = ?", (lookup, contact_id))
            report.lookups += 1
    await db.checkpoint(tuple(dict.fromkeys(table for table, _ in columns)))
    return report
