from __future__ import annotations

import pytest

from bot.app import Services, build_services
from bot.core.clock import FakeClock
from tests.helpers import Chat, rows

pytestmark = pytest.mark.both_engines


async def test_reflection_runs_step_by_step_and_lands_on_the_journey(services: Services, chat: Chat) -> None:
    await chat.consent()
    await chat.send("/reflect")
    assert "Self" in chat.text
    await chat.press("Start")
    assert "1/" in chat.text
    while "Done ✓" not in chat.text:
        labels = [c.label for c in chat.choices]
        await chat.press("Next" if any("Next" in x for x in labels) else labels[0])
    completions = rows(services.settings.database_path, "SELECT exercise_id, answers FROM completions")
    assert completions == [("here-and-now", None)]
    await chat.send("/journey")
    assert "Self: 1 of" in chat.text


@pytest.mark.sqlite_only  # reads the SQLite file's bytes
async def test_free_text_answers_are_kept_only_when_notes_are_on(services: Services, chat: Chat) -> None:
    await chat.consent(keep_notes=True)
    await chat.open_exercise("Self", "As you would a friend")
    await chat.press("Next")
    await chat.send("You are doing your best")
    while "Done ✓" not in chat.text:
        await chat.press("Next")
    record = (await services.store.completions.for_contact(1))[0]
    assert record.answers == ["You are doing your best"]
    assert b"doing your best" not in services.settings.database_path.read_bytes()


async def test_words_typed_during_a_free_text_step_are_answers(services: Services, chat: Chat) -> None:
    await chat.consent()
    await chat.open_exercise("Self", "As you would a friend")
    await chat.press("Next")
    await chat.send("menu")
    assert "2/" not in chat.text and "3/" in chat.text


async def test_a_restart_mid_exercise_resumes_where_the_person_was(services: Services, clock: FakeClock) -> None:
    chat = Chat(services.engine)
    await chat.consent()
    await chat.send("/reflect")
    await chat.press("Start")
    await chat.press("Next")
    old_key = chat.choices[0].key
    await services.close()

    restarted = await build_services(services.settings, clock)
    try:
        again = Chat(restarted.engine)
        await again.press_key(old_key)
        assert "3/" in again.text
    finally:
        await restarted.close()


async def test_a_forged_step_changes_nothing(services: Services, chat: Chat) -> None:
    await chat.consent()
    await chat.send("/reflect")
    await chat.press("Start")
    await chat.press_key("reflect:next:here-and-now:3")
    assert "no longer works" in chat.text
    await chat.press_key("reflect:ans:here-and-now:0:99")
    assert "no longer works" in chat.text
    await chat.press_key("reflect:go:../../etc")
    assert "no longer works" in chat.text
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM completions") == [(0,)]


async def test_someone_elses_choice_cannot_touch_my_state(services: Services) -> None:
    ana, ben = Chat(services.engine, "ana"), Chat(services.engine, "ben")
    await ana.consent()
    await ben.consent()
    await ana.send("/reflect")
    await ana.press("Start")
    await ben.press_key(ana.choices[0].key)
    assert "no longer works" in ben.text
