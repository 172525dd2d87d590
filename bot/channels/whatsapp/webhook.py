"""Read Meta's webhook requests: the signature, and the messages and statuses inside a payload.

We parse payloads ourselves rather than through pywa's update classes: pywa 4.5 requires the business-scoped
`contacts[].user_id` (older and current payloads may carry only `wa_id`), reads only the first message or
status of a batch, and answers a missing signature with 401 where we promise 403.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

SIGNATURE_HEADER = "X-Hub-Signature-256"
SIGNATURE_PREFIX = "sha256="


def signature_ok(secret: bytes, body: bytes, header: str | None) -> bool:
    """True when `header` is `sha256=<hex>` of the HMAC-SHA256 of the raw body; compared in constant time."""
    if not header or not header.isascii() or not header.startswith(SIGNATURE_PREFIX):
        return False  # compare_digest refuses non-ASCII text with a TypeError: such a header is simply wrong
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len(SIGNATURE_PREFIX):].strip().lower())


def sign_body(secret: bytes, body: bytes) -> str:
    """The header value Meta would send for `body` (used by tests and tools)."""
    return SIGNATURE_PREFIX + hmac.new(secret, body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """One message a person sent. `kind` is WhatsApp's type; `text` or `payload` hold what we can use."""

    id: str
    sender: str  # wa_id, or the business-scoped user id when the phone number is not shared
    kind: str
    text: str = ""
    payload: str = ""  # the id of a pressed reply button, list row or template quick-reply button


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    message_id: str
    status: str
    error_code: int | None = None


@dataclass(frozen=True, slots=True)
class Payload:
    messages: list[InboundMessage]
    statuses: list[StatusUpdate]


def _sender(message: dict[str, Any], contacts: list[dict[str, Any]]) -> str:
    """Prefer the phone number (wa_id); fall back to the business-scoped user id."""
    source, user_id = _text(message, "from"), _text(message, "from_user_id")
    match = next((c for c in contacts if source and c.get("wa_id") == source), None)
    match = match or next((c for c in contacts if user_id and c.get("user_id") == user_id), None)
    if match is None and len(contacts) == 1:
        match = contacts[0]
    contact = match or {}
    return _text(contact, "wa_id") or source or _text(contact, "user_id") or user_id


def _text(value: Any, *path: str) -> str:
    """The string at `path` inside nested objects, or '' when any step is missing or of another type."""
    for name in path:
        value = value.get(name) if isinstance(value, dict) else None
    return value if isinstance(value, str) else ""


def _message(raw: dict[str, Any], contacts: list[dict[str, Any]]) -> InboundMessage | None:
    message_id, kind, sender = _text(raw, "id"), _text(raw, "type"), _sender(raw, contacts)
    if not message_id or not sender:
        return None
    if kind == "text":
        return InboundMessage(message_id, sender, kind, text=_text(raw, "text", "body"))
    if kind == "button":
        return InboundMessage(message_id, sender, kind, payload=_text(raw, "button", "payload"))
    if kind == "interactive":
        reply_type = _text(raw, "interactive", "type")  # button_reply or list_reply
        return InboundMessage(message_id, sender, kind, payload=_text(raw, "interactive", reply_type, "id"))
    return InboundMessage(message_id, sender, kind)


def _status(raw: dict[str, Any]) -> StatusUpdate | None:
    message_id, status = _text(raw, "id"), _text(raw, "status")
    if not message_id or not status:
        return None
    errors = _dicts(raw.get("errors"))
    code = str(errors[0].get("code", "")) if errors else ""
    return StatusUpdate(message_id, status, int(code) if code.isdigit() else None)


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def parse(data: Any, phone_number_id: str) -> Payload:
    """Every message and status meant for our phone number; anything malformed is skipped, never raised."""
    messages: list[InboundMessage] = []
    statuses: list[StatusUpdate] = []
    for entry in _dicts(data.get("entry") if isinstance(data, dict) else None):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if not isinstance(value, dict) or change.get("field", "messages") != "messages":
                continue
            if (_text(value, "metadata", "phone_number_id") or phone_number_id) != phone_number_id:
                continue
            contacts = _dicts(value.get("contacts"))
            found = (_message(m, contacts) for m in _dicts(value.get("messages")))
            messages += [m for m in found if m is not None]
            updates = (_status(s) for s in _dicts(value.get("statuses")))
            statuses += [s for s in updates if s is not None]
    return Payload(messages, statuses)
