"""Times and zones as people write them, in English, Spanish and Swahili: cities, countries, abbreviations and
offsets through the IANA database and CLDR (Babel), and "7pm", "19h", "19.30"."""

from __future__ import annotations

import pytest

from bot.app import Services
from bot.core.zones import find_zones, parse_clock, zone_label
from tests.core.test_typed_answers import contact, person

pytestmark = pytest.mark.both_engines

SEVEN_PM = 19 * 60


@pytest.mark.parametrize("typed", ["7pm", "7 pm", "7 PM", "7 p.m.", "7 p. m.", "19h", "19.30", "19:00", "19h00"])
def test_clock_times_as_people_write_them(typed: str) -> None:
    assert parse_clock(typed) in (SEVEN_PM, SEVEN_PM + 30)


def test_clock_edges() -> None:
    assert parse_clock("19.30") == SEVEN_PM + 30 and parse_clock("7:30pm") == SEVEN_PM + 30
    assert parse_clock("12am") == 0 and parse_clock("12pm") == 12 * 60 and parse_clock("7am") == 7 * 60
    for bad in ("13pm", "0am", "25h", "noon", "1930", "7 pmx", ""):
        assert parse_clock(bad) is None


@pytest.mark.parametrize(("typed", "language", "zone"), [
    ("Nairobi", "en", "Africa/Nairobi"),
    ("nairobi", "sw", "Africa/Nairobi"),
    ("Kenya", "en", "Africa/Nairobi"),
    ("Kenia", "es", "Africa/Nairobi"),
    ("Kenya", "sw", "Africa/Nairobi"),
    ("EAT", "en", "Africa/Nairobi"),
    ("Mexico City", "en", "America/Mexico_City"),
    ("Ciudad de México", "es", "America/Mexico_City"),
    ("ciudad de mexico", "es", "America/Mexico_City"),
    ("Dar es Salaam", "sw", "Africa/Dar_es_Salaam"),
    ("Tanzania", "sw", "Africa/Dar_es_Salaam"),
    ("Afrika Kusini", "sw", "Africa/Johannesburg"),
    ("Sudáfrica", "es", "Africa/Johannesburg"),
    ("São Paulo", "es", "America/Sao_Paulo"),
    ("UTC+3", "en", "Etc/GMT-3"),
    ("GMT-5", "es", "Etc/GMT+5"),
    ("utc +3", "sw", "Etc/GMT-3"),
    ("UTC", "en", "UTC"),
    ("africa/nairobi", "en", "Africa/Nairobi"),
])
def test_a_zone_as_people_write_it(typed: str, language: str, zone: str) -> None:
    assert find_zones(typed, (language,)) == [zone]


@pytest.mark.parametrize(("typed", "language"), [("Mexico", "en"), ("México", "es"), ("Meksiko", "sw")])
def test_a_country_with_several_zones_gives_a_choice(typed: str, language: str) -> None:
    zones = find_zones(typed, (language,))
    assert 1 < len(zones) <= 9
    assert zones[0] == "America/Mexico_City" and "America/Tijuana" in zones


def test_nonsense_is_no_zone() -> None:
    for typed in ("", "Mars", "Atlantis", "../../etc/passwd", "x" * 100, "UTC+99"):
        assert find_zones(typed) == []


def test_zone_labels_are_in_the_persons_language() -> None:
    assert zone_label("America/Mexico_City", "es") == "Ciudad de México"
    assert zone_label("Etc/GMT-3", "sw") == "UTC+3"
    assert zone_label("Etc/GMT+5", "en") == "UTC-5"


@pytest.mark.parametrize(("language", "typed", "zone"), [
    ("English", "Nairobi", "Africa/Nairobi"),
    ("Español", "Ciudad de México", "America/Mexico_City"),
    ("Kiswahili", "Kenya", "Africa/Nairobi"),
    ("English", "UTC+3", "Etc/GMT-3"),
])
async def test_remind_reads_the_zone_typed(services: Services, language: str, typed: str, zone: str) -> None:
    chat = await person(services, language=language)
    await chat.send("/remind")
    await chat.press_key("remind:zone")
    await chat.send(typed)
    found = await contact(services, chat)
    assert found is not None and found.timezone == zone
    if zone.startswith("Etc/"):
        assert "UTC+3" in chat.text and "Etc/" not in chat.text


@pytest.mark.parametrize("language", ["English", "Español", "Kiswahili"])
async def test_a_country_with_several_zones_asks_which(services: Services, language: str) -> None:
    chat = await person(services, language=language)
    await chat.send("/remind")
    await chat.press_key("remind:zone")
    await chat.send("México" if language == "Español" else "Mexico")
    assert chat.choices[0].key == "remind:tzn:America/Mexico_City"
    before = await contact(services, chat)
    assert before is not None and before.timezone == "UTC"
    await chat.send("Tijuana")
    after = await contact(services, chat)
    assert after is not None and after.timezone == "America/Tijuana"


async def test_newcohort_asks_which_zone_of_a_country(services: Services) -> None:
    from tests.outbox import facilitator
    fay = await facilitator(services)
    await fay.send("/newcohort")
    await fay.send("Spring group")
    await fay.send("2026-01-15")
    await fay.press("English")
    await fay.send("Brazil")
    assert fay.choices[0].key == "cohorts:zonen:America/Sao_Paulo"
    await fay.send("1")
    assert "America/Sao_Paulo" in fay.text


@pytest.mark.parametrize("typed", ["7pm", "7 pm", "19h", "19.30"])
async def test_remind_reads_the_time_typed(services: Services, typed: str) -> None:
    chat = await person(services, language="Kiswahili")
    await chat.send("/remind")
    await chat.press_key("remind:time")
    await chat.send(typed)
    found = await contact(services, chat)
    assert found is not None
    settings = await services.store.reminders.get(found.id)
    assert settings.enabled and settings.minute in (SEVEN_PM, SEVEN_PM + 30)


async def test_quiet_hours_as_people_write_them(services: Services) -> None:
    chat = await person(services)
    await chat.send("/remind")
    await chat.press_key("remind:quiet")
    await chat.send("10pm-7am")
    found = await contact(services, chat)
    assert found is not None
    quiet = (await services.store.reminders.get(found.id)).quiet
    assert quiet is not None and (quiet.start, quiet.end) == (22 * 60, 7 * 60)
