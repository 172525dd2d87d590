"""WhatsApp state that must survive a restart, stored minimally.

Message ids already handled are kept only as keyed hashes, so a webhook replayed after a restart does nothing.
The key comes from the channel (derived from the app secret that signs the webhooks), not from DATA_KEY: a
hash that `db rotate-key` cannot recompute (the ids are not kept) would stop matching, and a replay delivered
right after a rotation would be answered again.
The numbered choices last shown and the proactive messages held behind the template's button are kept
encrypted, only for people who consented (found through their look-up hash), and all of it expires.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

from bot.core.domain import Address, Choice, Document, Image, Reply
from bot.storage.contacts import to_ts
from bot.storage.crypto import Vault
from bot.storage.db import Database

# Meta retries an unanswered webhook for days; a replay inside this time is recognised.
SEEN_FOR = timedelta(days=7)
# A numbered list or a held message older than this is no longer what the person is waiting for.
KEEP_FOR = timedelta(days=7)
PURGE_EVERY = 500  # first sightings between two purges of expired rows


def _choices_to_json(choices: tuple[Choice, ...]) -> list[list[str]]:
    return [[choice.key, choice.label] for choice in choices]


def _choices_from_json(data: Any) -> tuple[Choice, ...]:
    return tuple(Choice(str(key), str(label)) for key, label in data)


def encode_replies(replies: tuple[Reply, ...]) -> str:
    items = []
    for reply in replies:
        item: dict[str, Any] = {"text": reply.text, "choices": _choices_to_json(reply.choices)}
        if reply.image is not None:
            item["image"] = {"png": base64.b64encode(reply.image.png).decode(), "caption": reply.image.caption}
        if reply.document is not None:
            item["document"] = {"filename": reply.document.filename,
                                "data": base64.b64encode(reply.document.data).decode()}
        items.append(item)
    return json.dumps(items, ensure_ascii=False)


def decode_replies(text: str) -> tuple[Reply, ...]:
    replies = []
    for item in json.loads(text):
        image = item.get("image")
        document = item.get("document")
        replies.append(Reply(
            item["text"], _choices_from_json(item.get("choices", [])),
            image=Image(base64.b64decode(image["png"]), image.get("caption", "")) if image else None,
            document=Document(document["filename"], base64.b64decode(document["data"])) if document else None,
        ))
    return tuple(replies)


class WhatsAppMemory:
    def __init__(self, db: Database, vault: Vault) -> None:
        self.db = db
        self.vault = vault
        self._sightings = 0

    async def first_sight(self, message_id: str, key: bytes, now: datetime) -> bool:
        """True the first time a message id is seen (within SEEN_FOR); False for a replay."""
        self._sightings += 1
        if self._sightings % PURGE_EVERY == 0:
            await self.purge(now)
        digest = hmac.new(key, f"whatsapp-message:{message_id}".encode(), hashlib.sha256).digest()
        changed = await self.db.execute(
            "INSERT INTO whatsapp_seen (digest, expires_at) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING",
            (digest, to_ts(now + SEEN_FOR)))
        if changed:
            return True
        row = await self.db.fetchone("SELECT expires_at FROM whatsapp_seen WHERE digest = ?", (digest,))
        if row is not None and int(row[0]) <= to_ts(now):  # seen long ago: its memory has expired
            await self.db.execute("UPDATE whatsapp_seen SET expires_at = ? WHERE digest = ?",
                                  (to_ts(now + SEEN_FOR), digest))
            return True
        return False

    async def purge(self, now: datetime) -> None:
        await self.db.execute("DELETE FROM whatsapp_seen WHERE expires_at <= ?", (to_ts(now),))
        await self.db.execute("DELETE FROM whatsapp_memory WHERE expires_at <= ?", (to_ts(now),))

    def _lookup(self, address: Address) -> bytes:
        return self.vault.lookup(f"{address.channel}:{address.id}")

    async def _put(self, address: Address, kind: str, text: str, now: datetime) -> None:
        await self.db.execute(
            "INSERT INTO whatsapp_memory (contact_id, kind, data, expires_at)"
            " SELECT id, ?, ?, ? FROM contacts WHERE lookup = ?"
            " ON CONFLICT (contact_id, kind) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
            (kind, self.vault.encrypt(text), to_ts(now + KEEP_FOR), self._lookup(address)))

    async def _get(self, address: Address, kind: str, now: datetime) -> str | None:
        row = await self.db.fetchone(
            "SELECT whatsapp_memory.data FROM whatsapp_memory"
            " JOIN contacts ON contacts.id = whatsapp_memory.contact_id"
            " WHERE contacts.lookup = ? AND whatsapp_memory.kind = ? AND whatsapp_memory.expires_at > ?",
            (self._lookup(address), kind, to_ts(now)))
        return None if row is None else self.vault.decrypt(bytes(row[0]))

    async def _drop(self, address: Address, kind: str) -> None:
        await self.db.execute(
            "DELETE FROM whatsapp_memory WHERE kind = ? AND contact_id IN (SELECT id FROM contacts WHERE lookup = ?)",
            (kind, self._lookup(address)))

    async def set_numbered(self, address: Address, choices: tuple[Choice, ...], now: datetime) -> None:
        await self._put(address, "numbered", json.dumps(_choices_to_json(choices), ensure_ascii=False), now)

    async def numbered(self, address: Address, now: datetime) -> tuple[Choice, ...]:
        text = await self._get(address, "numbered", now)
        return () if text is None else _choices_from_json(json.loads(text))

    async def drop_numbered(self, address: Address) -> None:
        await self._drop(address, "numbered")

    async def held(self, address: Address, now: datetime) -> tuple[Reply, ...]:
        text = await self._get(address, "held", now)
        return () if text is None else decode_replies(text)

    async def set_held(self, address: Address, replies: tuple[Reply, ...], now: datetime) -> None:
        await self._put(address, "held", encode_replies(replies), now)

    async def pop_held(self, address: Address, now: datetime) -> tuple[Reply, ...]:
        replies = await self.held(address, now)
        if replies:
            await self._drop(address, "held")
        return replies
