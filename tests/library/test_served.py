"""Serve every exercise in every language through the real engine, as a person would in the console."""

from __future__ import annotations

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.messages import Reply
from bot.library.loader import BASE_LANGUAGE
from bot.library.schema import STAGE_ORDER, Exercise
from tests.helpers import Chat

pytestmark = pytest.mark.both_engines

LANGUAGES = ("en", "sw", "fr", "es", "pt")


async def start_in(chat: Chat, services: Services, code: str) -> None:
    """Choose the language at /start by its name, agree, and keep notes (so answers are stored too)."""
    await chat.send("/start")
    await chat.press(services.engine.library.packs[code].info.name)
    await chat.press_key(f"start:yes:{code}")
    await chat.press_key("start:notes:on")
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None and contact.language == code


async def walk(chat: Chat, exercise: Exercise) -> list[Reply]:
    """Open an exercise and answer every step: the first choice, a short text, or Next."""
    replies = await chat.press_key(f"reflect:go:{exercise.id}")
    for index, step in enumerate(exercise.steps):
        assert step.text in replies[-1].text, (exercise.id, index)
        if step.ask == "choice":
            assert [c.label for c in replies[-1].choices] == list(step.choices)
            replies = await chat.press_key(replies[-1].choices[0].key)
        elif step.ask == "text":
            replies = await chat.send("a few words of mine")
        else:
            replies = await chat.press_key(f"reflect:next:{exercise.id}:{index}")
    return replies


@pytest.mark.parametrize("code", LANGUAGES)
async def test_every_exercise_runs_to_its_closing_line(services: Services, clock: FakeClock, code: str) -> None:
    chat = Chat(services.engine, name=f"person-{code}")
    await start_in(chat, services, code)
    library = services.engine.library
    exercises = [e for stage in STAGE_ORDER for e in library.pack(code).in_stage(stage)]
    assert [e.id for e in exercises] == library.all_exercise_ids()
    for exercise in exercises:
        clock.advance(minutes=1)  # a person's pace: well under the flood limit
        replies = await walk(chat, exercise)
        assert replies[0].text == exercise.closing, exercise.id
        assert replies[1].text == library.text(code, "reflect.done")
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None
    done = await services.store.completions.for_contact(contact.id)
    assert len(done) == len(exercises)


@pytest.mark.parametrize("code", LANGUAGES)
async def test_the_reflect_menu_lists_each_stage_in_the_persons_language(services: Services, code: str) -> None:
    chat = Chat(services.engine, name=f"lister-{code}")
    await start_in(chat, services, code)
    library = services.engine.library
    for stage in STAGE_ORDER:
        replies = await chat.press_key(f"reflect:stage:{stage}")
        titles = [c.label for c in replies[-1].choices]
        assert titles == [e.title for e in library.pack(code).in_stage(stage)]
        assert library.text(code, f"stages.{stage}") in replies[-1].text


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != BASE_LANGUAGE])
async def test_typed_help_word_and_crisis_phrase_work_in_each_language(services: Services, code: str) -> None:
    chat = Chat(services.engine, name=f"typer-{code}")
    await start_in(chat, services, code)
    words = services.engine.library.packs[code].words
    library = services.engine.library
    replies = await chat.send(words.commands["help"][0])
    for part in ("card", "overdose", "suicide"):
        assert library.help_text(code, part) in replies[-1].text
    replies = await chat.send(f"... {words.crisis.suicide[0]} ...")
    assert replies[0].text.startswith(library.help_text(code, "suicide"))
    replies = await chat.send(f"... {words.crisis.overdose[0]} ...")
    assert replies[0].text.startswith(library.help_text(code, "overdose"))
