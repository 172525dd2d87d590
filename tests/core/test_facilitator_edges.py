"""Facilitator edges a new user hit: /facilitator CODE as a first message, writing a new message under the
/broadcast list, a broadcast held by quiet hours listed as such, and quiet hours that change."""

from __future__ import annotations

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from tests.broadcasting import copies, scheduled, write
from tests.helpers import Chat, rows
from tests.outbox import FakeSender, dispatcher, facilitator, member, new_cohort

pytestmark = pytest.mark.both_engines


async def test_facilitator_code_as_the_first_message_survives_onboarding(services: Services) -> None:
    code, _ = await services.store.facilitators.invite(services.clock.now())
    chat = Chat(services.engine, "new-fay")
    await chat.send(f"/facilitator {code}")
    assert "Which language" in chat.text
    await chat.press("English")
    await chat.press("agree")
    assert "facilitator" in chat.text.lower()
    assert rows(services.settings.database_path, "SELECT is_facilitator FROM contacts") == [(1,)]
    await chat.press("No notes")
    await chat.send("/newcohort")
    assert "only for facilitators" not in chat.text


async def test_a_join_code_as_the_first_message_still_joins(services: Services) -> None:
    fay = await facilitator(services)
    code = await new_cohort(fay)
    chat = Chat(services.engine, "ana")
    await chat.send(f"/join {code}")
    await chat.press("English")
    await chat.press("agree")
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM cohort_members") == [(1,)]
    assert rows(services.settings.database_path, "SELECT is_facilitator FROM contacts WHERE id = 2") == [(0,)]


async def test_a_message_typed_under_the_broadcast_list_becomes_the_new_message(services: Services) -> None:
    fay = await scheduled(services, "2026-01-20 10:00")
    await fay.send("/broadcast")
    assert "or write a new message" in fay.text
    await fay.send("Our next meeting moves to Thursday")
    assert "Here is exactly what each person will see" in fay.text
    assert "Our next meeting moves to Thursday" in fay.text
    await fay.press("Send now")
    assert "On its way to 1 person" in fay.text


async def test_a_command_word_under_the_broadcast_list_is_still_a_command(services: Services) -> None:
    fay = await scheduled(services, "2026-01-20 10:00")
    await fay.send("/broadcast")
    await fay.send("menu")
    assert "Here is exactly what each person will see" not in fay.text
    assert any("Check in" in choice.label for choice in fay.choices)


async def test_with_several_cohorts_the_typed_message_waits_while_cohorts_are_chosen(services: Services) -> None:
    fay = await scheduled(services, "2026-01-20 10:00")
    await new_cohort(fay, "Autumn group")
    await fay.send("/broadcast")
    await fay.send("See you all on Thursday")
    await fay.press("Autumn group")
    await fay.press("Spring group")
    await fay.press("Next")
    assert "Here is exactly what each person will see" in fay.text
    assert "See you all on Thursday" in fay.text


async def test_the_new_message_button_under_the_list_works(services: Services) -> None:
    fay = await scheduled(services, "2026-01-20 10:00")
    await fay.send("/broadcast")
    await fay.press("New message")
    await fay.send("Hello again")
    assert "Here is exactly what each person will see" in fay.text


async def test_a_broadcast_held_by_quiet_hours_is_listed_as_waiting_for_morning(services: Services,
                                                                              clock: FakeClock) -> None:
    fay = await facilitator(services)
    code = await new_cohort(fay)
    await member(services, code)
    clock.advance(hours=14)  # 23:00 UTC: Ana is in her quiet hours
    await write(fay, "Late thought")
    await fay.press("Send now")
    await dispatcher(services, FakeSender()).drain()
    await fay.send("/broadcast")
    assert "waiting for morning (1 person in their quiet hours" in fay.text
    assert "going out now" not in fay.text


async def test_changing_quiet_hours_releases_what_the_old_hours_held(services: Services, clock: FakeClock) -> None:
    fay = await facilitator(services)
    code = await new_cohort(fay)
    ana = await member(services, code)
    clock.advance(hours=14)  # 23:00 UTC
    await write(fay, "Late thought")
    await fay.press("Send now")
    sender = FakeSender()
    await dispatcher(services, sender).drain()
    assert copies(sender) == {}
    await ana.send("/remind")
    await ana.press("Quiet hours")
    await ana.press("No quiet hours")
    await dispatcher(services, sender).drain()
    assert copies(sender) == {"ana": 1}, "held for the old hours, it goes now"


async def test_the_quiet_hours_dialog_does_not_object_to_the_reminder_time(services: Services) -> None:
    chat = Chat(services.engine, "ana")
    await chat.consent()
    await chat.send("/remind")
    await chat.press("Set a time")
    await chat.send("21:30")
    assert "every day at 21:30" in chat.text
    await chat.send("/remind")
    await chat.press("Quiet hours")
    await chat.press("21:00–09:00")
    assert "nothing was changed" not in chat.text
    assert "Your quiet hours are now 21:00–09:00" in chat.text and "21:30" in chat.text
    assert "08:00" not in [choice.label for choice in chat.choices]  # only times outside the new hours
    await chat.press("18:00")
    assert "every day at 18:00" in chat.text and "Quiet hours (no messages from me): 21:00–09:00" in chat.text
