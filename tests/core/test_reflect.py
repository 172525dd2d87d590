from __future__ import annotations

import pytest

from bot.app import Services, build_services
from bot.core.clock import FakeClock
from tests.helpers import Chat, rows, stored_bytes
from tests.peers import Person

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
    assert completions == [("whose-voice", None)]
    await chat.send("/journey")
    assert "Self: 1 of" in chat.text


async def test_a_new_graduate_is_led_through_the_anti_stigma_core_first(services: Services) -> None:
    chat = Person(services, "new-graduate")  # takes a few seconds per message, as people do: no flood guard
    await chat.consent()
    met = []
    for _ in range(5):
        await chat.send("/reflect")
        start = next(c for c in chat.choices if c.key.startswith("reflect:go:"))
        met.append(start.key.rsplit(":", 1)[1])
        await chat.press("Start")
        for _step in range(8):
            if "Done ✓" in chat.text:
                break
            labels = [c.label for c in chat.choices]
            await chat.press("Next" if any("Next" in x for x in labels) else labels[0])
    assert met[:4] == ["whose-voice", "my-words", "what-we-carry", "spot-the-word"]
    assert met[4] == "more-than-one", "then the path of the current stage, where it stands"


async def test_the_journey_says_what_completes_a_stage(chat: Chat) -> None:
    await chat.consent()
    await chat.send("/journey")
    assert "A stage is walked once you have done 2 of its exercises" in chat.text
    assert "“Whose voice is that?”" in chat.text and "“Spot the word”" in chat.text


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
    assert b"doing your best" not in stored_bytes(services.settings.database_path)


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


async def test_a_long_answer_is_kept_and_the_shortening_said(services: Services, chat: Chat) -> None:
    """An answer past the limit is not cut silently: the person is told what was kept."""
    from bot.core.features.reflect import MAX_ANSWER_CHARS
    await chat.consent(keep_notes=True)
    await chat.open_exercise("Self", "As you would a friend")
    await chat.press("Next")
    await chat.send("y" * (MAX_ANSWER_CHARS + 10))
    assert f"longer than {MAX_ANSWER_CHARS} characters, so I kept the first {MAX_ANSWER_CHARS}" in chat.text
    while "Done ✓" not in chat.text:
        await chat.press("Next")
    record = (await services.store.completions.for_contact(1))[0]
    assert record.answers == ["y" * MAX_ANSWER_CHARS]
