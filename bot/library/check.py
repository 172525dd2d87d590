"""`content check`: everything that must hold across the library before it is served."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.core.callbacks import sign
from bot.core.i18n import plural_categories
from bot.core.messages import MAX_CHOICE_KEY_BYTES, Address
from bot.library.loader import BASE_LANGUAGE, LanguagePack, Problem, read_library
from bot.library.schema import BUTTON_MAX, STAGE_ORDER, TEXT_MAX, Exercise

CALLBACK_MAX_BYTES = 64  # Telegram's callback_data
LIST_ROWS_MAX = 10  # WhatsApp list message: a stage's exercises and the languages are shown as one list
COHORT_CODE_MAX = 32  # the longest `/start CODE` that onboarding carries inside its choice keys
PROACTIVE_UI_FILE = "notify"  # every string in ui/notify.yaml is a proactive message
PROACTIVE_KEY_PREFIX = "notify_"  # …and so is any ui key named notify_… in another file
PROACTIVE_KEYS = frozenset({"remind.nudge"})  # …and these, sent unasked under other names
LOCK_SCREEN_LINES = 2  # a lock screen or notification preview shows the first two lines
LABEL_UI_FILES = ("stages",)  # ui strings shown as choice labels although their keys do not start with btn_


@dataclass(frozen=True, slots=True)
class Text:
    """One user-facing text: where it lives, and a key that is the same in every language."""

    file: str
    where: str
    key: str
    text: str

    def problem(self, message: str) -> Problem:
        return Problem(self.file, f"{self.where}: {message}")


def placeholders(text: str) -> frozenset[str]:
    try:
        return frozenset(name for _, name, _, _ in string.Formatter().parse(text) if name)
    except ValueError:
        return frozenset({"<unbalanced braces>"})


def ui_file(pack: LanguagePack, name: str) -> str:
    return f"{pack.folder}/ui/{name}.yaml"


def _exercise_texts(pack: LanguagePack, exercise: Exercise) -> Iterator[Text]:
    file, base = pack.files[f"exercise:{exercise.id}"], f"exercise:{exercise.id}"
    yield Text(file, "title", f"{base}:title", exercise.title)
    yield Text(file, "summary", f"{base}:summary", exercise.summary)
    for number, step in enumerate(exercise.steps, 1):
        yield Text(file, f"steps.{number}.text", f"{base}:steps.{number}.text", step.text)
        for index, choice in enumerate(step.choices, 1):
            where = f"steps.{number}.choices.{index}"
            yield Text(file, where, f"{base}:{where}", choice)
    yield Text(file, "closing", f"{base}:closing", exercise.closing)


def pack_texts(pack: LanguagePack) -> Iterator[Text]:
    """Yield every user-facing text of a language."""
    for exercise in pack.exercises.values():
        yield from _exercise_texts(pack, exercise)
    checkin, file = pack.checkin, pack.files["checkin"]
    for name in ("prompt", "note_prompt", "note_saved", "low_streak"):
        yield Text(file, name, f"checkin:{name}", getattr(checkin, name))
    for mood in checkin.moods:
        for part in ("label", "reply"):
            where = f"moods.{mood.value}.{part}"
            yield Text(file, where, f"checkin:{where}", getattr(mood, part))
    file = pack.files["help"]
    for name in ("card", "overdose", "suicide", "emergency_unset", "services_title", "no_services", "find_help"):
        yield Text(file, name, f"help:{name}", getattr(pack.help, name))
    for number, service in enumerate(pack.help.services, 1):
        for part in ("name", "contact", "note"):
            where = f"services.{number}.{part}"
            yield Text(file, where, f"{pack.info.code}:help:{where}", getattr(service, part))  # local: not compared
    for follow_up in pack.followups.steps:
        yield Text(pack.files["followups"], f"steps.{follow_up.id}", f"followups:{follow_up.id}", follow_up.text)
    for key, text in pack.ui.items():
        yield Text(ui_file(pack, key.split(".", 1)[0]), key, f"ui:{key}", text)
    for key, plural in pack.plurals.items():  # each language has its own forms: not compared with English
        for form, text in plural.forms.items():
            if form != "other":
                yield Text(ui_file(pack, key.split(".", 1)[0]), f"{key}.{form}", f"{pack.info.code}:ui:{key}.{form}",
                           text)


def _plurals(pack: LanguagePack, base: LanguagePack | None) -> Iterator[Problem]:
    """Each string with plural forms has exactly the forms the language's CLDR rules use, and no new placeholder;
    a string has plural forms in every language or in none."""
    needed = plural_categories(pack.info.code)
    for key, plural in sorted(pack.plurals.items()):
        file = ui_file(pack, key.split(".", 1)[0])
        missing, extra = sorted(needed - plural.forms.keys()), sorted(plural.forms.keys() - needed)
        if missing:
            yield Problem(file, f"{key}: needs the plural forms {missing} "
                                f"({pack.info.code} counts with {sorted(needed)})")
        if extra:
            yield Problem(file, f"{key}: {extra} never used in {pack.info.code} (it counts with {sorted(needed)})")
        allowed = placeholders(plural.forms["other"]) | {plural.by}
        for form, text in sorted(plural.forms.items()):
            if not placeholders(text) <= allowed:
                yield Problem(file, f"{key}.{form}: placeholders {sorted(placeholders(text) - allowed)} are not in "
                                    f"the 'other' form")
        if base is not None and pack is not base and key in base.plurals and base.plurals[key].by != plural.by:
            yield Problem(file, f"{key}: counts by {plural.by!r}, English by {base.plurals[key].by!r}")
    if base is None or pack is base:
        return
    for key in sorted((base.plurals.keys() - pack.plurals.keys()) & pack.ui.keys()):
        yield Problem(ui_file(pack, key.split(".", 1)[0]), f"{key}: needs plural forms, as in English")
    for key in sorted((pack.plurals.keys() - base.plurals.keys()) & base.ui.keys()):
        yield Problem(ui_file(pack, key.split(".", 1)[0]), f"{key}: English has one text here, not plural forms")


def _is_label(key: str) -> bool:
    return key.rsplit(".", 1)[-1].startswith("btn_") or key.split(".", 1)[0] in LABEL_UI_FILES


def _limits(pack: LanguagePack) -> Iterator[Problem]:
    for text in pack_texts(pack):
        if len(text.text) > TEXT_MAX:
            yield text.problem(f"{len(text.text)} characters, over the limit of {TEXT_MAX}")
    for exercise in pack.exercises.values():
        for text in _exercise_texts(pack, exercise):
            if ".choices." in text.where and len(text.text) > BUTTON_MAX:
                yield text.problem(f"choice label {text.text!r} is {len(text.text)} characters, over {BUTTON_MAX}")
    for mood in pack.checkin.moods:
        if len(mood.button) > BUTTON_MAX:
            yield Problem(pack.files["checkin"], f"moods.{mood.value}: {mood.button!r} is over {BUTTON_MAX} characters")
    for key, label in pack.ui.items():
        if _is_label(key) and len(label) > BUTTON_MAX:
            yield Problem(ui_file(pack, key.split(".", 1)[0]),
                          f"{key}: button label {label!r} is {len(label)} characters, over {BUTTON_MAX}")


def exercise_keys(exercise: Exercise) -> Iterator[str]:
    """Every choice key the reflect feature builds for this exercise."""
    yield f"reflect:go:{exercise.id}"
    for index, step in enumerate(exercise.steps):
        yield f"reflect:next:{exercise.id}:{index}"
        yield f"reflect:skip:{exercise.id}:{index}"
        for choice in range(len(step.choices)):
            yield f"reflect:ans:{exercise.id}:{index}:{choice}"


def language_keys(code: str) -> Iterator[str]:
    """The choice keys that carry a language code: /start (with the longest cohort code) and /language."""
    longest_code = "x" * COHORT_CODE_MAX
    yield f"start:lang:{code}:{longest_code}"
    yield f"start:yes:{code}:{longest_code}"
    yield f"language:set:{code}"


def callback_problem(key: str) -> str | None:
    """Why a choice key cannot travel as Telegram callback data once signed, or None when it fits."""
    encoded = len(sign(b"check", Address("telegram", "0"), key).encode())
    if encoded > CALLBACK_MAX_BYTES or len(key.encode()) > MAX_CHOICE_KEY_BYTES:
        return (f"choice key {key!r} is {len(key.encode())} bytes ({encoded} once signed); it must stay within "
                f"{MAX_CHOICE_KEY_BYTES} to fit Telegram's {CALLBACK_MAX_BYTES}-byte callback data: shorten the id")
    return None


def _callbacks(pack: LanguagePack) -> Iterator[Problem]:
    for exercise in pack.exercises.values():
        reason = next(filter(None, map(callback_problem, exercise_keys(exercise))), None)
        if reason is not None:
            yield Problem(pack.files[f"exercise:{exercise.id}"], reason)
    reason = next(filter(None, map(callback_problem, language_keys(pack.info.code))), None)
    if reason is not None:
        yield Problem(pack.files["language"], reason)


def _word_pattern(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(word)}(?!\w)", re.IGNORECASE)


def _own_and_base(pack: LanguagePack, base: LanguagePack | None) -> list[LanguagePack]:
    """A language's word lists hold for it, and English's hold everywhere (English words leak into texts)."""
    return [pack] if base is None or base is pack else [pack, base]


def _stigma(pack: LanguagePack, base: LanguagePack | None) -> Iterator[Problem]:
    sources = _own_and_base(pack, base)
    words = [word for source in sources for word in source.words.stigma]
    patterns = [(_word_pattern(w.word), w) for w in words]
    allowed = [_word_pattern(phrase) for source in sources for phrase in source.words.allowed]
    for text in pack_texts(pack):
        checked = text.text
        for pattern in allowed:  # advocacy phrases such as "police abuse" name what others do, not people
            checked = pattern.sub(" ", checked)
        for pattern, word in patterns:
            if pattern.search(checked):
                yield text.problem(f"stigmatising word {word.word!r}; say {word.instead!r} instead")


def proactive_texts(pack: LanguagePack) -> Iterator[Text]:
    """The texts that arrive unasked (follow-ups, notify strings): their first line shows on a lock screen."""
    for text in pack_texts(pack):
        name = text.where.rsplit(".", 1)[-1]
        if text.key.startswith("followups:") or (text.key.startswith("ui:") and (
                text.where.startswith(f"{PROACTIVE_UI_FILE}.") or name.startswith(PROACTIVE_KEY_PREFIX)
                or text.where in PROACTIVE_KEYS)):
            yield text


def lock_screen(text: str) -> str:
    """What a lock screen shows of a message: its first non-empty lines."""
    lines = [line for line in text.strip().split("\n") if line.strip()]
    return "\n".join(lines[:LOCK_SCREEN_LINES])


def _discreet(pack: LanguagePack, base: LanguagePack | None) -> Iterator[Problem]:
    words = [word for source in _own_and_base(pack, base) for word in source.words.discreet]
    patterns = [(_word_pattern(word), word) for word in words]
    for text in proactive_texts(pack):
        shown = lock_screen(text.text)
        for pattern, word in patterns:
            if pattern.search(shown):
                yield text.problem(f"the first {LOCK_SCREEN_LINES} lines show on a lock screen and must not name "
                                   f"{word!r}; move it further down")


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
    for tier in ("overdose", "suicide", "topic"):
        if not getattr(pack.words.crisis, tier):
            yield Problem(pack.files["words"], f"crisis.{tier}: list at least one phrase")
    if not pack.words.leave_words:
        yield Problem(pack.files["words"], "leave_words: list at least one word (typed to stop a step)")


def _stages(pack: LanguagePack) -> Iterator[Problem]:
    for stage in STAGE_ORDER:
        count = len(pack.in_stage(stage))
        if count > LIST_ROWS_MAX:
            yield Problem(f"{pack.folder}/exercises", f"stage {stage!s} has {count} exercises; a WhatsApp list "
                                                      f"shows at most {LIST_ROWS_MAX}")
        if count == 0 and pack.info.code == BASE_LANGUAGE:
            yield Problem(f"{pack.folder}/exercises", f"stage {stage!s} has no exercise")


def _same_shape(file: str, base: Exercise, other: Exercise) -> Iterator[Problem]:
    if (base.stage, base.order, base.lilo_step, base.minutes, base.core) != (
            other.stage, other.order, other.lilo_step, other.minutes, other.core):
        yield Problem(file, "stage, order, lilo_step, minutes or core differ from English")
    if len(base.steps) != len(other.steps):
        yield Problem(file, f"{len(other.steps)} steps where English has {len(base.steps)}")
        return
    for number, (a, b) in enumerate(zip(base.steps, other.steps, strict=True), 1):
        if a.ask != b.ask or len(a.choices) != len(b.choices):
            yield Problem(file, f"steps.{number}: question kind or number of choices differs from English")


def _exercises_against_base(pack: LanguagePack, base: LanguagePack) -> Iterator[Problem]:
    for exercise_id in sorted(base.exercises.keys() - pack.exercises.keys()):
        if f"exercise:{exercise_id}" not in pack.files:  # a file that failed its schema is reported already
            yield Problem(f"{pack.folder}/exercises/{exercise_id}.yaml", "missing: English has this exercise")
    for exercise_id in sorted(pack.exercises.keys() - base.exercises.keys()):
        yield Problem(pack.files[f"exercise:{exercise_id}"], "extra: English has no exercise with this id")
    for exercise_id in sorted(base.exercises.keys() & pack.exercises.keys()):
        yield from _same_shape(pack.files[f"exercise:{exercise_id}"], base.exercises[exercise_id],
                               pack.exercises[exercise_id])


def _ui_against_base(pack: LanguagePack, base: LanguagePack) -> Iterator[Problem]:
    for name in sorted(base.ui_files - pack.ui_files):
        yield Problem(ui_file(pack, name), "missing: English has this file")
    for name in sorted(pack.ui_files - base.ui_files):
        yield Problem(ui_file(pack, name), "extra: English has no such file")
    shared = base.ui_files & pack.ui_files
    for key in sorted(base.ui.keys() - pack.ui.keys()):
        if key.split(".", 1)[0] in shared:
            yield Problem(ui_file(pack, key.split(".", 1)[0]), f"{key}: missing (English has it)")
    for key in sorted(pack.ui.keys() - base.ui.keys()):
        if key.split(".", 1)[0] in shared:
            yield Problem(ui_file(pack, key.split(".", 1)[0]), f"{key}: extra (English has no such string)")


def _followups_against_base(pack: LanguagePack, base: LanguagePack) -> Iterator[Problem]:
    base_steps = {s.id: s for s in base.followups.steps}
    other_steps = {s.id: s for s in pack.followups.steps}
    for step_id in sorted(base_steps.keys() - other_steps.keys()):
        yield Problem(pack.files["followups"], f"{step_id}: missing (English has this follow-up)")
    for step_id in sorted(other_steps.keys() - base_steps.keys()):
        yield Problem(pack.files["followups"], f"{step_id}: extra (English has no such follow-up)")
    for step_id in sorted(base_steps.keys() & other_steps.keys()):
        a, b = base_steps[step_id], other_steps[step_id]
        if (a.day, a.hour, a.exercise) != (b.day, b.hour, b.exercise):
            yield Problem(pack.files["followups"], f"{step_id}: day, hour or exercise differ from English")


def _placeholders_against_base(pack: LanguagePack, base: LanguagePack) -> Iterator[Problem]:
    base_texts = {text.key: text.text for text in pack_texts(base)}
    for text in pack_texts(pack):
        if text.key not in base_texts:
            continue
        mine, theirs = placeholders(text.text), placeholders(base_texts[text.key])
        if mine != theirs:
            yield text.problem(f"placeholders {sorted(mine)} differ from English {sorted(theirs)}")


def _commands(packs: dict[str, LanguagePack]) -> Iterator[Problem]:
    """A typed word may stand for one command only, whatever the language (people switch languages)."""
    owner: dict[str, tuple[str, str]] = {}
    for code, pack in packs.items():
        for command, aliases in pack.words.commands.items():
            for alias in aliases:
                word = alias.strip().lower()
                first = owner.setdefault(word, (command, code))
                if first[0] != command:
                    yield Problem(pack.files["words"], f"commands: {alias!r} means {command!r} here but "
                                                       f"{first[0]!r} in {first[1]!r}")


def check_library(root: Path) -> list[Problem]:
    """Return every problem in the library under root; an empty list means it may be served."""
    packs, problems = read_library(root)
    base = packs.get(BASE_LANGUAGE)
    for pack in packs.values():
        for rule in (_limits, _callbacks, _references, _stages):
            problems += rule(pack)
        problems += _stigma(pack, base)
        problems += _discreet(pack, base)
        problems += _plurals(pack, base)
        if base is not None and pack is not base:
            for compare in (_exercises_against_base, _ui_against_base, _followups_against_base,
                            _placeholders_against_base):
                problems += compare(pack, base)
    problems += _commands(packs)
    if len(packs) > LIST_ROWS_MAX:
        problems.append(Problem(str(root), f"{len(packs)} languages; the language list shows at most "
                                           f"{LIST_ROWS_MAX}"))
    return problems
