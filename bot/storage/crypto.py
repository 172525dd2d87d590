"""Field encryption and keyed hashing, with keys derived from DATA_KEY by HKDF.

Addresses (chat ids, phone numbers) are stored twice: as a keyed hash to find a person, and encrypted with
AES-GCM so the bot can write to them. A stolen database without DATA_KEY yields neither.
"""

from __future__ import annotations

import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.errors import CompanionError

FORMAT = b"\x01"
NONCE_BYTES = 12


class DecryptError(CompanionError):
    """A protected field does not open with this DATA_KEY."""


def derive(secret: str, purpose: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"bts-companion", info=purpose.encode()).derive(
        secret.encode()
    )


class Vault:
    """Everything keyed from DATA_KEY: field encryption, look-up hashes and the callback MAC key."""

    def __init__(self, secret: str) -> None:
        self._aead = AESGCM(derive(secret, "field-encryption-v1"))
        self._lookup_key = derive(secret, "lookup-hash-v1")
        self.callback_key = derive(secret, "callback-mac-v1")
        self.webhook_secret = derive(secret, "telegram-webhook-v1").hex()
        # Stored in the database: tells whether this key wrote it, and reveals nothing about the key.
        self.check_value = hmac.new(derive(secret, "key-check-v1"), b"companion key check", hashlib.sha256).digest()

    def encrypt(self, plaintext: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return FORMAT + nonce + self._aead.encrypt(nonce, plaintext.encode(), FORMAT)

    def decrypt(self, blob: bytes) -> str:
        if not blob.startswith(FORMAT):
            raise DecryptError("unknown field format")
        nonce, body = blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, FORMAT).decode()
        except InvalidTag as exc:
            raise DecryptError("field does not open with this DATA_KEY") from exc

    def encrypt_optional(self, plaintext: str | None) -> bytes | None:
        return None if plaintext is None else self.encrypt(plaintext)

    def decrypt_optional(self, blob: bytes | None) -> str | None:
        return None if blob is None else self.decrypt(blob)

    def lookup(self, value: str) -> bytes:
        return hmac.new(self._lookup_key, value.encode(), hashlib.sha256).digest()
