"""Times said the Swahili way ("saa mbili asubuhi" is 8:00: the hours count from 6) and zones with half-hour or
three-quarter offsets (India +5:30, Newfoundland −3:30, Nepal +5:45), typed where people set a reminder, quiet
hours, a cohort's zone or a broadcast's time. The words live in content (content/sw/words.yaml, clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.features.broadcast import parse_moment
from bot.core.zones import find_zones, parse_clock
from tests.helpers import Chat
from tests.outbox import facilitator

LANGUAGES = {"en": "English", "sw": "Kiswahili"}


async def person(services: Services, language: str = "sw") -> Chat:
    chat = Chat(services.engine, "amani")
    await chat.send("/start")
    await chat.press(LANGUAGES[language])
    await chat.press_key(next(c.key for c in chat.choices if c.means == "yes"))
    await chat.press_key(next(c.key for c in chat.choices if c.means == "no"))
    return chat


def hhmm(minute: int | None) -> str | None:
    return None if minute is None else f"{minute // 60:02d}:{minute % 60:02d}"


@pytest.mark.parametrize(("typed", "time"), [
    ("saa mbili asubuhi", "08:00"),
    ("saa tatu usiku", "21:00"),
    ("saa moja jioni", "19:00"),
    ("Saa Moja Jioni", "19:00"),
    ("saa sita mchana", "12:00"),
    ("saa sita usiku", "00:00"),
    ("saa tisa usiku", "03:00"),
    ("saa kumi alasiri", "16:00"),
    ("saa kumi na moja alfajiri", "05:00"),
    ("saa kumi na mbili jioni", "18:00"),
    ("saa mbili na nusu asubuhi", "08:30"),
    ("saa tatu kasoro robo asubuhi", "08:45"),
    ("saa nne na dakika kumi usiku", "22:10"),
    ("saa 2 asubuhi", "08:00"),
    ("saa 2:30 usiku", "20:30"),
    ("saa 8 asubuhi", "08:00"),  # only the clock's own count fits the morning: that one is meant
    ("saa mbili", "08:00"),  # no part of the day: daytime, saa moja to saa kumi na mbili
    ("saa nane", "14:00"),
])
async def test_a_swahili_reminder_time_in_words(services: Services, typed: str, time: str) -> None:
    chat = await person(services)
    await chat.send("/remind")
    await chat.press_key("remind:quiet")
    await chat.press_key("remind:q:none")  # night times too
    await chat.send("/remind")
    await chat.press_key("remind:time")
    await chat.send(typed)
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None
    settings = await services.store.reminders.get(contact.id)
    assert settings.enabled and hhmm(settings.minute) == time, chat.text
    assert time in chat.text


def test_words_that_are_no_time_are_refused(services: Services) -> None:
    spoken = services.library.spoken_clocks
    for bad in ("saa", "usiku", "saa kumi na tatu", "saa 13", "saa mbili na dakika", "habari", "saa mbili tatu"):
        assert parse_clock(bad, spoken) is None, bad
    assert parse_clock("19:30", spoken) == 19 * 60 + 30 and parse_clock("7pm", spoken) == 19 * 60


async def test_quiet_hours_and_a_broadcast_time_in_swahili_words(services: Services) -> None:
    chat = await person(services)
    await chat.send("/remind")
    await chat.press_key("remind:quiet")
    await chat.send("saa nne usiku - saa moja asubuhi")
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None
    quiet = (await services.store.reminders.get(contact.id)).quiet
    assert quiet is not None and (hhmm(quiet.start), hhmm(quiet.end)) == ("22:00", "07:00")
    today = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    moment = parse_moment("2026-03-14 saa mbili usiku", "Africa/Nairobi", today, services.library.spoken_clocks)
    assert moment is not None and moment.strftime("%Y-%m-%d %H:%M") == "2026-03-14 20:00"


def offset_in_january(zone: str) -> timedelta | None:
    return datetime(2026, 1, 15, 12, tzinfo=UTC).astimezone(ZoneInfo(zone)).utcoffset()


@pytest.mark.parametrize(("typed", "offset"), [
    ("UTC+5:30", timedelta(hours=5, minutes=30)),
    ("GMT+05:30", timedelta(hours=5, minutes=30)),
    ("+0530", timedelta(hours=5, minutes=30)),
    ("UTC+5.5", timedelta(hours=5, minutes=30)),
    ("India", timedelta(hours=5, minutes=30)),
    ("UTC-3:30", -timedelta(hours=3, minutes=30)),
    ("GMT -03:30", -timedelta(hours=3, minutes=30)),
    ("Newfoundland", -timedelta(hours=3, minutes=30)),
    ("UTC+5:45", timedelta(hours=5, minutes=45)),
])
async def test_a_zone_with_a_half_hour_offset(services: Services, clock: FakeClock, typed: str,
                                              offset: timedelta) -> None:
    clock.set(datetime(2026, 1, 15, 0, 0, tzinfo=UTC))
    chat = await person(services, "en")
    await chat.send("/remind")
    await chat.press_key("remind:time")
    await chat.send("8:00")
    await chat.send("/remind")
    await chat.press_key("remind:zone")
    await chat.send(typed)
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None and contact.timezone != "UTC", chat.text
    assert offset_in_january(contact.timezone) == offset
    settings = await services.store.reminders.get(contact.id)
    assert settings.next_at is not None  # 8:00 on the person's own half-hour clock
    assert settings.next_at.astimezone(ZoneInfo(contact.timezone)).strftime("%H:%M") == "08:00"


def test_a_half_hour_offset_kept_by_places_that_differ_asks_which() -> None:
    found = find_zones("UTC+9:30")  # Darwin keeps it all year; Adelaide only in winter
    assert len(found) == 2 and {offset_in_january(zone) for zone in found} == {
        timedelta(hours=9, minutes=30), timedelta(hours=10, minutes=30)}
    assert find_zones("UTC+5:17") == []


async def test_a_cohort_in_india_typed_as_an_offset(services: Services) -> None:
    fay = await facilitator(services)
    await fay.send("/newcohort")
    await fay.send("Mumbai group")
    await fay.press("Today")
    await fay.press("English")
    await fay.send("UTC+5:30")
    cohorts = await services.store.cohorts.owned_by(1)
    assert len(cohorts) == 1 and offset_in_january(cohorts[0].timezone) == timedelta(hours=5, minutes=30)
