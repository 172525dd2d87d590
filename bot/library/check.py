"""`content check`: everything that must hold across the library before it is served."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from pathlib import Path

from bot.core.messages import MAX_CHOICE_KEY_BYTES
from bot.library.loader import BASE_LANGUAGE, LanguagePack, Problem, read_library
from bot.library.schema import BUTTON_MAX, TEXT_MAX, Exercise

# The longest choice key the reflect feature builds from an exercise id: "reflect:ans:<id>:<step>:<choice>".
_LONGEST_EXERCISE_KEY = "reflect:ans:{id}:9:9"


def placeholders(text: str) -> frozenset[str]:
    try:
        return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)
    except ValueError:
        return frozenset({"<unbalanced braces>"})


def pack_texts(pack: LanguagePack) -> Iterator[tuple[str, str, str]]:
    """Yield (file, where, text) for every user-facing text of a language."""
    for exercise in pack.exercises.values():
        file = pack.files[f"exercise:{exercise.id}"]
        yield file, "title", exercise.title
        yield file, "summary", exercise.summary
        for number, step in enumerate(exercise.steps, 1):
            yield file, f"steps.{number}.text", step.text
            for index, choice in enumerate(step.choices, 1):
                yield file, f"steps.{number}.choices.{index}", choice
        yield file, "closing", exercise.closing
    checkin = pack.checkin
    for name in ("prompt", "note_prompt", "note_saved", "low_streak"):
        yield pack.files["checkin"], name, getattr(checkin, name)
    for mood in checkin.moods:
        yield pack.files["checkin"], f"moods.{mood.value}.label", mood.label
        yield pack.files["checkin"], f"moods.{mood.value}.reply", mood.reply
    for name in ("card", "overdose", "services_title", "no_services"):
        yield pack.files["help"], name, getattr(pack.help, name)
    for follow_up in pack.followups.steps:
        yield pack.files["followups"], f"steps.{follow_up.id}", follow_up.text
    for key, text in pack.ui.items():
        yield f"{pack.info.code}/ui/{key.split('.', 1)[0]}.yaml", key, text


def _limits(pack: LanguagePack) -> Iterator[Problem]:
    for file, where, text in pack_texts(pack):
        if len(text) > TEXT_MAX:
            yield Problem(file, f"{where}: {len(text)} characters, over the limit of {TEXT_MAX}")
    for exercise in pack.exercises.values():
        file = pack.files[f"exercise:{exercise.id}"]
        for number, step in enumerate(exercise.steps, 1):
            for choice in step.choices:
                if len(choice) > BUTTON_MAX:
                    yield Problem(file, f"steps.{number}: choice {choice!r} is over {BUTTON_MAX} characters")
        if len(_LONGEST_EXERCISE_KEY.format(id=exercise.id).encode()) > MAX_CHOICE_KEY_BYTES:
            yield Problem(file, "id is too long to fit in a button's callback data")
    for mood in pack.checkin.moods:
        if len(mood.button) > BUTTON_MAX:
            yield Problem(pack.files["checkin"], f"moods.{mood.value}: {mood.button!r} is over {BUTTON_MAX} characters")
    for key, text in pack.ui.items():
        if key.rsplit(".", 1)[-1].startswith("btn_") and len(text) > BUTTON_MAX:
            yield Problem(f"{pack.info.code}/ui/{key.split('.', 1)[0]}.yaml",
                          f"{key}: button label {text!r} is over {BUTTON_MAX} characters")


def _stigma(pack: LanguagePack, base: LanguagePack | None) -> Iterator[Problem]:
    words = list(pack.words.stigma)
    if base is not None and base is not pack:
        words += list(base.words.stigma)
    if not words:
        return
    patterns = [(re.compile(rf"(?<!\w){re.escape(w.word)}(?!\w)", re.IGNORECASE), w) for w in words]
    for file, where, text in pack_texts(pack):
        for pattern, word in patterns:
            if pattern.search(text):
                yield Problem(file, f"{where}: stigmatising word {word.word!r}; use {word.instead!r} instead")


def _references(pack: LanguagePack) -> Iterator[Problem]:
    if pack.checkin.grounding_exercise not in pack.exercises:
        yield Problem(pack.files["checkin"], f"grounding_exercise {pack.checkin.grounding_exercise!r} does not exist")
    seen: set[str] = set()
    for step in pack.followups.steps:
        if step.id in seen:
            yield Problem(pack.files["followups"], f"duplicate follow-up id {step.id!r}")
        seen.add(step.id)
        if step.exercise is not None and step.exercise not in pack.exercises:
            yield Problem(pack.files["followups"], f"{step.id}: exercise {step.exercise!r} does not exist")
    if not pack.words.crisis:
        yield Problem(pack.files["words"], "crisis: list at least one phrase")


def _same_shape(file: str, base: Exercise, other: Exercise) -> Iterator[Problem]:
    if (base.stage, base.lilo_step, base.minutes) != (other.stage, other.lilo_step, other.minutes):
        yield Problem(file, "stage, lilo_step or minutes differ from English")
    if len(base.steps) != len(other.steps):
        yield Problem(file, f"{len(other.steps)} steps where English has {len(base.steps)}")
        return
    for number, (a, b) in enumerate(zip(base.steps, other.steps, strict=True), 1):
        if a.ask != b.ask or len(a.choices) != len(b.choices):
            yield Problem(file, f"steps.{number}: question kind or number of choices differs from English")


def _against_base(pack: LanguagePack, base: LanguagePack) -> Iterator[Problem]:
    code = pack.info.code
    for exercise_id in sorted(base.exercises.keys() - pack.exercises.keys()):
        yield Problem(f"{code}/exercises/{exercise_id}.yaml", "missing: English has this exercise")
    for exercise_id in sorted(pack.exercises.keys() - base.exercises.keys()):
        yield Problem(pack.files[f"exercise:{exercise_id}"], "extra: English has no exercise with this id")
    for exercise_id in sorted(base.exercises.keys() & pack.exercises.keys()):
        yield from _same_shape(pack.files[f"exercise:{exercise_id}"], base.exercises[exercise_id],
                               pack.exercises[exercise_id])
    for key in sorted(base.ui.keys() - pack.ui.keys()):
        yield Problem(f"{code}/ui/{key.split('.', 1)[0]}.yaml", f"{key}: missing (English has it)")
    for key in sorted(pack.ui.keys() - base.ui.keys()):
        yield Problem(f"{code}/ui/{key.split('.', 1)[0]}.yaml", f"{key}: extra (English has no such string)")
    for key in sorted(base.ui.keys() & pack.ui.keys()):
        if placeholders(base.ui[key]) != placeholders(pack.ui[key]):
            yield Problem(f"{code}/ui/{key.split('.', 1)[0]}.yaml",
                          f"{key}: placeholders {sorted(placeholders(pack.ui[key]))} differ from English "
                          f"{sorted(placeholders(base.ui[key]))}")
    base_steps = {s.id: s for s in base.followups.steps}
    other_steps = {s.id: s for s in pack.followups.steps}
    if base_steps.keys() != other_steps.keys():
        yield Problem(pack.files["followups"], "follow-up ids differ from English")
    for step_id in base_steps.keys() & other_steps.keys():
        a, b = base_steps[step_id], other_steps[step_id]
        if (a.day, a.hour, a.exercise) != (b.day, b.hour, b.exercise):
            yield Problem(pack.files["followups"], f"{step_id}: day, hour or exercise differ from English")


def check_library(root: Path) -> list[Problem]:
    """Return every problem in the library under root; an empty list means it may be served."""
    packs, problems = read_library(root)
    base = packs.get(BASE_LANGUAGE)
    for pack in packs.values():
        problems += _limits(pack)
        problems += _stigma(pack, base)
        problems += _references(pack)
        if base is not None and pack is not base:
            problems += _against_base(pack, base)
    return problems
