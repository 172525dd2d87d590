"""What flows between channels and the core: an Incoming in, Replies out."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.domain import Address as Address
from bot.core.domain import Choice as Choice
from bot.core.domain import Document as Document
from bot.core.domain import Image as Image
from bot.core.domain import Reply as Reply

# A choice key is routed by its first segment (the feature name), e.g. "checkin:mood:3".
# Kept short so it fits Telegram's 64-byte callback data once signed (see callbacks.py).
MAX_CHOICE_KEY_BYTES = 52


@dataclass(frozen=True, slots=True)
class Incoming:
    """One thing a person did: typed text, sent a /command, or pressed a choice."""

    sender: Address
    text: str = ""
    command: str | None = None
    args: str = ""
    choice: str | None = None
    language_hint: str | None = None
    extras: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_text(cls, sender: Address, text: str, language_hint: str | None = None) -> Incoming:
        """Split a leading /command (with an optional @botname) from its arguments."""
        stripped = text.strip()
        if stripped.startswith("/") and len(stripped) > 1:
            head, _, rest = stripped[1:].partition(" ")
            name = head.split("@", 1)[0].lower()
            if name.replace("_", "").isalnum():
                return cls(sender, text=text, command=name, args=rest.strip(), language_hint=language_hint)
        return cls(sender, text=text, language_hint=language_hint)

    @classmethod
    def pressed(cls, sender: Address, key: str, language_hint: str | None = None, typed: str = "") -> Incoming:
        """A pressed choice; `typed` is the number the person typed for it, where a channel numbers choices."""
        return cls(sender, text=typed, choice=key, language_hint=language_hint)
