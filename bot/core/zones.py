"""Time zones and clock times typed or chosen by people: the likely zones as choices, any IANA name typed."""

from __future__ import annotations

import re
import zoneinfo
from functools import cache

# Where workshops are likely to happen; offered as choices, in this order. Any IANA name may be typed.
LIKELY_ZONES = (
    "Africa/Nairobi",
    "Africa/Lagos",
    "Africa/Douala",
    "Africa/Johannesburg",
    "America/Bogota",
    "America/Sao_Paulo",
    "Europe/Paris",
    "UTC",
)
_CLOCK = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?$")


@cache
def _known_zones() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def parse_zone(text: str) -> str | None:
    """The canonical IANA name for typed text ('africa/nairobi', 'Africa/Nairobi '), or None."""
    cleaned = text.strip().replace(" ", "_")
    if not cleaned or len(cleaned) > 64:
        return None
    return _known_zones().get(cleaned.lower())


def zone_choice(index: str) -> str | None:
    """The likely zone at a choice index ('0'…), or None for anything else."""
    if not index.isdigit() or int(index) >= len(LIKELY_ZONES):
        return None
    return LIKELY_ZONES[int(index)]


def parse_clock(text: str) -> int | None:
    """Minutes after midnight for '19:30', '7.05', '19h30' or '8'; None when it is not a time of day."""
    match = _CLOCK.fullmatch(text.strip().lower())
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return hour * 60 + minute


def zone_label(zone: str) -> str:
    """A button label for a zone: its city, e.g. 'Sao Paulo' for America/Sao_Paulo."""
    return zone.rsplit("/", 1)[-1].replace("_", " ")[:20]
