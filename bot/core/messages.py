"""What flows between channels and the core: an Incoming in, Replies out."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.domain import Address as Address

# A choice key is routed by its first segment (the feature name), e.g. "checkin:mood:3".
# Kept short so it fits Telegram's 64-byte callback data once signed (see callbacks.py).
MAX_CHOICE_KEY_BYTES = 52


@dataclass(frozen=True, slots=True)
class Choice:
    """A button. `means` is "yes" or "no" where the choice answers a yes/no question, so typed words match."""

    key: str
    label: str
    means: str = ""


@dataclass(frozen=True, slots=True)
class Image:
    png: bytes
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Document:
    filename: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    """One message: text, up to ten choices, optionally a picture or a file.

    `delete` lists earlier messages of this chat (platform ids) that the channel deletes first, where the
    platform allows it (the quick hide).
    """

    text: str
    choices: tuple[Choice, ...] = ()
    image: Image | None = None
    document: Document | None = None
    delete: tuple[str, ...] = ()
    # The next step of what the pressed button belonged to: a channel may replace that message with this one.
    in_place: bool = False
    # For a proactive message the platform may only announce (WhatsApp's template outside the 24-hour window):
    # the command its button opens.
    opens: str | None = None


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
