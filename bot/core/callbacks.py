"""Signed, versioned choice payloads for platforms that echo them back (Telegram, WhatsApp).

A payload is `1<key>.<mac>`: the version digit, the choice key, and a MAC over the person's address and
the key. A forged payload, or one copied from another person's chat, fails the check and is ignored. The
engine still checks that the key fits the person's current state.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from bot.core.messages import Address

VERSION = "1"
MAC_CHARS = 8


def _mac(secret: bytes, address: Address, key: str) -> str:
    message = f"{address.channel}:{address.id}:{key}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:MAC_CHARS]


def sign(secret: bytes, address: Address, key: str) -> str:
    return f"{VERSION}{key}.{_mac(secret, address, key)}"


def verify(secret: bytes, address: Address, payload: str) -> str | None:
    """Return the choice key if the payload is ours and meant for this address, else None."""
    if not payload.startswith(VERSION) or "." not in payload:
        return None
    key, _, mac = payload[len(VERSION):].rpartition(".")
    if not key or not hmac.compare_digest(mac, _mac(secret, address, key)):
        return None
    return key
