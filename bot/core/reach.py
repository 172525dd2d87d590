"""How a person can be reached once both sides of a peer conversation said yes: read it, check it, show it.

Shared by /offer (volunteers) and /support (requesters). A detail is shown only to the other person after
both agreed, so these helpers never log it.
"""

from __future__ import annotations

import re
import unicodedata

from bot.core.domain import Reach
from bot.core.features.base import key
from bot.core.i18n import Library
from bot.core.messages import Choice

_HANDLE = re.compile(r"@?([A-Za-z][A-Za-z0-9_]{4,31})")
_PHONE_CHARS = re.compile(r"[\s().-]")
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15


def parse_handle(text: str) -> str | None:
    """A Telegram username as '@name' (5 to 32 letters, digits or _, starting with a letter); None otherwise."""
    cleaned = text.strip().removeprefix("https://t.me/").removeprefix("t.me/")
    match = _HANDLE.fullmatch(cleaned)
    return f"@{match.group(1)}" if match else None


def parse_phone(text: str) -> str | None:
    """A phone number for WhatsApp in international form ('+254 712 345 678' -> '+254712345678')."""
    cleaned = _PHONE_CHARS.sub("", text.strip())
    digits = cleaned.removeprefix("+")
    if not digits.isdecimal() or not MIN_PHONE_DIGITS <= len(digits) <= MAX_PHONE_DIGITS:
        return None  # isdecimal, not isdigit: superscript digits look like a number but dial nothing
    return "+" + "".join(str(unicodedata.decimal(digit)) for digit in digits)  # '٢٥٤' -> '254


def parse_detail(reach: Reach, text: str) -> str | None:
    if reach == Reach.TELEGRAM:
        return parse_handle(text)
    if reach == Reach.WHATSAPP:
        return parse_phone(text)
    return None


def reach_choices(library: Library, language: str, feature: str) -> tuple[Choice, ...]:
    return tuple(Choice(key(feature, "reach", reach), library.text(language, f"support.btn_reach_{reach}"))
                 for reach in Reach)


def reach_text(library: Library, language: str, reach: Reach, detail: str | None) -> str:
    """How to reach someone, with a tap-able link: shown only once both said yes."""
    if reach == Reach.TELEGRAM and detail:
        return library.text(language, "support.reach_telegram", handle=detail,
                            link=f"https://t.me/{detail.removeprefix('@')}")
    if reach == Reach.WHATSAPP and detail:
        return library.text(language, "support.reach_whatsapp", phone=detail,
                            link=f"https://wa.me/{detail.removeprefix('+')}")
    return library.text(language, "support.reach_bot")
