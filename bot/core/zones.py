"""Time zones and clock times as people write them: 'Nairobi', 'Ciudad de México', 'Kenya', 'EAT', 'UTC+3',
'7pm', '19h', '19.30'.

Nothing here is a hand-kept table: city names come from the IANA database (zoneinfo) and CLDR's exemplar cities,
country names and zone abbreviations come from CLDR through Babel, in every language the library speaks. A name
that covers several zones that behave differently (a country like Mexico) gives them all, and the caller asks.
"""

from __future__ import annotations

import re
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.dates import get_timezone_location

from bot.core.typed import normalize
from bot.library.schema import SpokenClock

# Where workshops are likely to happen; offered as choices, in this order. Any zone may be typed.
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
# The languages whose CLDR names are understood when nobody says otherwise (the content library's languages).
NAME_LANGUAGES = ("en", "es", "fr", "pt", "sw")
MAX_CANDIDATES = 9  # with the person's own typing as the alternative: fits a ten-choice list
LABEL_CHARS = 20
_CLOCK = re.compile(r"^(\d{1,2})(?:\s*[:.h]\s*(\d{2}))?\s*h?$")
_OFFSET = re.compile(r"^(?:utc|gmt)?\s*([+\-−])\s*(\d{1,2})(?:\s*[:h]?\s*(\d{2})|[.,](5|75|25))?$")
_PLAIN_UTC = frozenset({"utc", "gmt", "z", "zulu", "utc 0", "gmt 0"})
_MARKED = re.compile(r"(.*?\d)\s*(\D+)")
_AM_PM_EXTRA = ("am", "pm", "a", "p")  # "7p", "7 a" as people text them


@cache
def _known_zones() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def is_zone(name: str) -> bool:
    """True for a canonical zone name this machine knows (choice keys carry them)."""
    return _known_zones().get(name.lower()) == name


def parse_zone(text: str) -> str | None:
    """The canonical IANA name for a typed IANA name ('africa/nairobi', 'America/Sao Paulo'), or None."""
    cleaned = text.strip().replace(" ", "_")
    if not cleaned or len(cleaned) > 64:
        return None
    return _known_zones().get(cleaned.lower())


def zone_choice(index: str) -> str | None:
    """The likely zone at a choice index ('0'…), or None for anything else."""
    if not index.isdigit() or int(index) >= len(LIKELY_ZONES):
        return None
    return LIKELY_ZONES[int(index)]


def _locales(languages: Iterable[str]) -> list[Locale]:
    found = []
    for language in languages:
        try:
            found.append(Locale.parse(language))
        except (UnknownLocaleError, ValueError):
            continue
    return found


@cache
def _index(languages: tuple[str, ...]) -> dict[str, frozenset[str]]:
    """Every name a zone is known by, normalized → the zones it names."""
    names: dict[str, set[str]] = defaultdict(set)
    zones = sorted(zoneinfo.available_timezones())
    aliases = get_global("zone_aliases")
    for zone in zones:
        names[normalize(zone)].add(zone)
        if "/" in zone:  # the city of an IANA name: "Mexico_City", "Sao_Paulo"
            names[normalize(zone.rsplit("/", 1)[1])].add(zone)
    for abbreviation, named in _abbreviations(tuple(zones)).items():
        names[abbreviation].update(named)
    territory_zones = get_global("territory_zones")
    metazones = get_global("meta_zones")
    for locale in _locales(languages):
        for zone in zones:
            cldr_zone = aliases.get(zone, zone)
            city = locale.time_zones.get(cldr_zone, {}).get("city")
            if city:
                names[normalize(city)].add(zone)
        for territory, in_territory in territory_zones.items():
            name = locale.territories.get(territory)
            if name:
                names[normalize(name)].update(z for z in in_territory if z in _known_zones().values())
        for zone, metazone in metazones.items():
            short = locale.meta_zones.get(metazone, {}).get("short", {})
            for abbreviation in short.values():
                if zone in _known_zones().values():
                    names[normalize(abbreviation)].add(zone)
    names.pop("", None)
    return {name: frozenset(found) for name, found in names.items()}


@cache
def _abbreviations(zones: tuple[str, ...]) -> dict[str, set[str]]:
    """The IANA database's own abbreviations in use this year ('EAT', 'CET', 'CEST'); numeric ones are skipped."""
    found: dict[str, set[str]] = defaultdict(set)
    year = datetime.now(UTC).year
    for zone in zones:
        info = zoneinfo.ZoneInfo(zone)
        for month in (1, 7):
            abbreviation = datetime(year, month, 15, 12, tzinfo=UTC).astimezone(info).tzname() or ""
            if abbreviation.isalpha() and len(abbreviation) >= 3:
                found[abbreviation.lower()].add(zone)
    return found


def _behaviour(zone: str) -> tuple[object, ...]:
    """What a zone does over the coming year: zones alike in this are one and the same to a person."""
    info = zoneinfo.ZoneInfo(zone)
    year = datetime.now(UTC).year
    return tuple(datetime(year + y, month, 15, 12, tzinfo=UTC).astimezone(info).utcoffset()
                 for y in (0, 1) for month in (1, 4, 7, 10))


@cache
def _preferred() -> frozenset[str]:
    """Zones CLDR names as the main one of their kind (through its Windows mapping): 'America/Mexico_City'."""
    return frozenset(get_global("windows_zone_mapping").values())


def _representatives(zones: Iterable[str]) -> list[str]:
    """One zone for each distinct behaviour, the biggest group first (where most people live, as a rule), each
    shown by its likeliest member: a workshop zone, then the one CLDR names as main, then a regional name."""
    groups: dict[tuple[object, ...], list[str]] = defaultdict(list)
    for zone in zones:
        groups[_behaviour(zone)].append(zone)

    def rank(zone: str) -> tuple[bool, bool, bool, str]:
        return zone not in LIKELY_ZONES, zone not in _preferred(), "/" not in zone or zone.startswith("Etc/"), zone

    best = [min(group, key=rank) for group in groups.values()]
    sizes = {min(group, key=rank): len(group) for group in groups.values()}
    return sorted(best, key=lambda zone: (zone not in LIKELY_ZONES, -sizes[zone], rank(zone)))


def _offset_zones(text: str) -> list[str]:
    """'UTC+3', 'GMT-5', '+03:00' as a fixed zone (IANA's Etc/GMT names count the other way round); an offset
    with minutes ('UTC+5:30', 'GMT-3:30', '+0545') as the places that keep it, by what the zone database says."""
    if text in _PLAIN_UTC:
        return ["UTC"]
    match = _OFFSET.fullmatch(text)
    if match is None:
        return []
    sign, hours = -1 if match.group(1) in "-−" else 1, int(match.group(2))
    minutes = int(match.group(3) or 0) if match.group(4) is None else round(60 * float(f"0.{match.group(4)}"))
    if minutes:
        return _representatives(_zones_at(sign * timedelta(hours=hours, minutes=minutes)))[:MAX_CANDIDATES]
    if hours == 0:
        return ["UTC"]
    name = f"Etc/GMT{'+' if sign < 0 else '-'}{hours}"
    return [name] if is_zone(name) else []


@cache
def _zones_at(offset: timedelta) -> tuple[str, ...]:
    """The zones whose clock is at this offset from UTC for part of this year (in winter or in summer)."""
    year = datetime.now(UTC).year
    return tuple(zone for zone in sorted(zoneinfo.available_timezones())
                 if not zone.startswith("Etc/") and offset in {
                     datetime(year, month, 15, 12, tzinfo=UTC).astimezone(zoneinfo.ZoneInfo(zone)).utcoffset()
                     for month in (1, 7)})


def find_zones(text: str, languages: Iterable[str] = NAME_LANGUAGES) -> list[str]:
    """The zones typed text stands for: one, several to choose from (a country with several), or none."""
    stripped = text.strip()
    if not stripped or len(stripped) > 64:
        return []
    exact = parse_zone(stripped)
    if exact is not None:
        return [exact]
    offset = _offset_zones(stripped.lower().replace(" ", ""))
    if offset:
        return offset
    found = _index(tuple(sorted({*languages, *NAME_LANGUAGES}))).get(normalize(stripped))
    if not found:
        return []
    return _representatives(found)[:MAX_CANDIDATES]


def zone_label(zone: str, language: str = "en") -> str:
    """A button label for a zone: its city in the person's language ('Ciudad de México'), or 'UTC+3'."""
    if zone.startswith("Etc/GMT") and len(zone) > len("Etc/GMT"):
        hours = zone[len("Etc/GMT"):]
        return f"UTC{'-' if hours.startswith('+') else '+'}{hours[1:]}"
    if "/" not in zone:
        return zone
    try:
        city = get_timezone_location(zone, locale=language, return_city=True)
    except (LookupError, ValueError):
        city = ""
    label = city or zone.rsplit("/", 1)[-1].replace("_", " ")
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def zone_name(zone: str) -> str:
    """A zone as shown in a sentence: the IANA name, or 'UTC+3' for a fixed offset."""
    return zone_label(zone) if zone.startswith("Etc/GMT") else zone


@cache
def _am_pm() -> tuple[frozenset[str], frozenset[str]]:
    """'am' and 'pm' as CLDR writes them in the library's languages ('a. m.', 'p. m.'), without dots or spaces."""
    am, pm = set(_AM_PM_EXTRA[::2]), set(_AM_PM_EXTRA[1::2])
    for locale in _locales(NAME_LANGUAGES):
        for width in locale.day_periods.get("format", {}).values():
            for period, into in (("am", am), ("pm", pm)):
                written = width.get(period)
                if written:
                    into.add(_squash(written))
    return frozenset(am), frozenset(pm)


def _squash(text: str) -> str:
    return re.sub(r"[\s.\u00a0\u202f]", "", text.lower())


def parse_clock(text: str, spoken: Sequence[SpokenClock] = ()) -> int | None:
    """Minutes after midnight for '19:30', '7.05', '19h30', '19h', '8', '7pm', '7 p.m.', '7:30 a. m.', or a time
    said in words as one of `spoken` says it ('saa mbili asubuhi' = 8:00); else None."""
    numeric = _numeric_clock(text)
    if numeric is not None:
        return numeric
    for clock in spoken:
        said = _spoken_clock(text, clock)
        if said is not None:
            return said
    return None


def _in_hours(hour: int, hours: tuple[int, int]) -> bool:
    start, end = hours
    return start <= hour < end if start < end else hour >= start or hour < end


def _spoken_number(text: str, clock: SpokenClock) -> int | None:
    if text.isdigit():
        return int(text)
    return {normalize(word): n for word, n in clock.numbers.items()}.get(text)


def _spoken_clock(text: str, clock: SpokenClock) -> int | None:
    """A time said in words: [hour word] hour [minutes] [part of the day], e.g. 'saa tatu na nusu usiku' (21:30).

    The hour is counted from `shift` (Swahili: from 6). Of the two times it may be (8:00 or 20:00), the one in the
    part of the day said is meant; where only the unshifted count fits ('saa 8 asubuhi'), that one.
    """
    words = f" {normalize(text)} "
    marked = False
    hours = clock.default_period
    for name, period in sorted(clock.periods.items(), key=lambda item: -len(item[0])):
        phrase = f" {normalize(name)} "
        if phrase in words:
            words, hours, marked = words.replace(phrase, " ", 1), period, True
            break
    for word in clock.hour_words:
        phrase = f" {normalize(word)} "
        if words.startswith(phrase):
            words, marked = " " + words[len(phrase):], True
            break
    minute = 0
    for phrase, delta in sorted(clock.minutes.items(), key=lambda item: -len(item[0])):
        ending = f" {normalize(phrase)} "
        if words.endswith(ending):
            words, minute, marked = words[: -len(ending)] + " ", delta, True
            break
    else:
        for phrase, sign in clock.minute_words.items():
            middle = f" {normalize(phrase)} "
            if middle in words:
                words, _, count = words.partition(middle)
                number = _spoken_number(count.strip(), clock)
                if number is None:
                    return None
                words, minute, marked = words + " ", sign * number, True
                break
    parts = words.split()
    if len(parts) == 2 and all(part.isdigit() for part in parts) and len(parts[1]) == 2:  # "2:30" → "2 30"
        parts, minute = parts[:1], minute + int(parts[1])
    hour = _spoken_number(" ".join(parts), clock)
    if not marked or hour is None or not 1 <= hour <= 12 or not -59 <= minute <= 59:
        return None
    for shift in dict.fromkeys((clock.shift, 0)):
        base = (hour + shift) % 12
        for on_clock in (base, base + 12):
            if _in_hours(on_clock, hours):
                return (on_clock * 60 + minute) % (24 * 60)
    return None


def _numeric_clock(text: str) -> int | None:
    cleaned = text.strip().lower()
    am, pm = _am_pm()
    period = ""
    marked = _MARKED.fullmatch(cleaned)
    if marked is not None and _squash(marked.group(2)) in am | pm:
        period = "pm" if _squash(marked.group(2)) in pm else "am"
        cleaned = marked.group(1)
    match = _CLOCK.fullmatch(cleaned)
    if match is None:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if period:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if period == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return hour * 60 + minute
