"""Strings and content from the library in a person's language, falling back to English."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from functools import cache, cached_property
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.lists import format_list

from bot.core.crisis import CrisisWords, Signal
from bot.core.typed import normalize
from bot.library.loader import BASE_LANGUAGE, LanguagePack, load_packs
from bot.library.schema import STAGE_ORDER, CheckIn, Exercise, Help, SpokenClock, Stage

log = logging.getLogger(__name__)


@cache
def _plural_rule(language: str) -> Callable[[float], str]:
    try:
        return Locale.parse(language).plural_form
    except (UnknownLocaleError, ValueError):
        return Locale.parse(BASE_LANGUAGE).plural_form


def plural_category(language: str, number: float) -> str:
    """CLDR's plural category of a number in a language: 'one', 'many', 'other'…"""
    return _plural_rule(language)(abs(number))


@cache
def plural_categories(language: str) -> frozenset[str]:
    """Every plural category a language's CLDR rules use ('other' always among them)."""
    try:
        return frozenset({"other", *Locale.parse(language).plural_form.tags})
    except (UnknownLocaleError, ValueError):
        return frozenset({"other"})


def list_text(language: str, items: Sequence[str]) -> str:
    """Items joined as the language joins a list: 'Okay and Low', 'Okay y Low', 'Okay na Low'."""
    try:
        return format_list(list(items), locale=language)
    except (UnknownLocaleError, ValueError):
        return ", ".join(items)


class Library:
    """The loaded content library; every lookup takes a language and falls back to English."""

    def __init__(self, packs: dict[str, LanguagePack], emergency_number: str | None = None) -> None:
        self.packs = packs
        self.base = packs[BASE_LANGUAGE]
        # The deployment's EMERGENCY_NUMBER, shown as typed; None means "your local emergency number".
        self.emergency_number = (emergency_number or "").strip() or None

    @classmethod
    def load(cls, root: Path, emergency_number: str | None = None) -> Library:
        return cls(load_packs(root), emergency_number)

    @property
    def languages(self) -> list[tuple[str, str]]:
        """(code, name) of every language, English first."""
        codes = [BASE_LANGUAGE, *sorted(c for c in self.packs if c != BASE_LANGUAGE)]
        return [(code, self.packs[code].info.name) for code in codes]

    def supports(self, language: str | None) -> bool:
        return language is not None and language in self.packs

    def pack(self, language: str) -> LanguagePack:
        return self.packs.get(language, self.base)

    def text(self, language: str, key: str, /, **values: object) -> str:
        """A ui string filled in; a string with plural forms takes the form CLDR's rules pick for its number."""
        pack = self.pack(language)
        source = pack if key in pack.ui else self.base
        template = source.ui.get(key)
        if template is None:
            log.error("missing UI string %s", key)
            return key
        plural = source.plurals.get(key)
        if plural is not None:
            number = values.get(plural.by)
            if isinstance(number, int | float):
                template = plural.forms.get(plural_category(source.info.code, number), template)
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            log.error("UI string %s has placeholders the code does not fill", key)
            return template

    def exercise(self, language: str, exercise_id: str) -> Exercise | None:
        return self.pack(language).exercises.get(exercise_id) or self.base.exercises.get(exercise_id)

    def exercises_in(self, language: str, stage: Stage) -> list[Exercise]:
        """Exercises of a stage in the base order, each in the person's language where it exists."""
        found = (self.exercise(language, e.id) for e in self.base.in_stage(stage))
        return [e for e in found if e is not None]

    def core_exercises(self, language: str) -> list[Exercise]:
        """The anti-stigma core, in journey order: what every new graduate is offered first."""
        return [e for stage in STAGE_ORDER for e in self.exercises_in(language, stage) if e.core]

    def all_exercise_ids(self) -> list[str]:
        return [e.id for stage in STAGE_ORDER for e in self.base.in_stage(stage)]

    def checkin(self, language: str) -> CheckIn:
        return self.pack(language).checkin

    def help(self, language: str) -> Help:
        return self.pack(language).help

    def help_text(self, language: str, part: str) -> str:
        """A help card part ("card", "overdose", "suicide", "find_help") with the emergency number filled in."""
        card = self.help(language)
        template: str = getattr(card, part)
        return template.replace("{emergency}", self.emergency_number or card.emergency_unset)

    @cached_property
    def _crisis(self) -> CrisisWords:
        lists = [pack.words.crisis for pack in self.packs.values()]
        return CrisisWords((p for c in lists for p in c.overdose), (p for c in lists for p in c.suicide),
                           (p for c in lists for p in c.topic), (p for c in lists for p in c.not_crisis))

    def crisis_signal(self, text: str) -> Signal | None:
        """Urgent crisis kinds or a passing topic in free text, in any language (people switch languages)."""
        return self._crisis.signal(text)

    def signals_crisis(self, text: str) -> bool:
        """True when free text holds an urgent crisis phrase of any language: the card goes out at once."""
        found = self._crisis.signal(text)
        return found is not None and found.urgent

    @cached_property
    def _command_words(self) -> dict[str, str]:
        words: dict[str, str] = {}
        for pack in self.packs.values():
            for command, aliases in pack.words.commands.items():
                for alias in aliases:
                    words.setdefault(alias.lower(), command)
        return words

    def answer_words(self, language: str) -> tuple[frozenset[str], frozenset[str]]:
        """Typed yes and no words: the person's language first, then any language's (people switch languages)."""
        return self._all_answer_words.get(language) or self._all_answer_words[BASE_LANGUAGE]

    @cached_property
    def _all_answer_words(self) -> dict[str, tuple[frozenset[str], frozenset[str]]]:
        return {code: self._answer_words_for(code) for code in self.packs}

    def _answer_words_for(self, language: str) -> tuple[frozenset[str], frozenset[str]]:
        own = self.pack(language).words
        own_yes = {normalize(w) for w in own.yes_words}
        own_no = {normalize(w) for w in own.no_words}
        any_yes = {normalize(w) for pack in self.packs.values() for w in pack.words.yes_words}
        any_no = {normalize(w) for pack in self.packs.values() for w in pack.words.no_words}
        yes = own_yes | (any_yes - own_no - any_no)
        no = own_no | (any_no - own_yes - any_yes)
        return frozenset(w for w in yes if w), frozenset(w for w in no if w)

    @cached_property
    def _leave_words(self) -> frozenset[str]:
        return frozenset(normalize(w) for pack in self.packs.values() for w in pack.words.leave_words) - {""}

    def is_leave_word(self, text: str) -> bool:
        """True when typed text, whole, means "stop this" in any language ('stop', 'annuler', 'sitisha')."""
        return normalize(text) in self._leave_words

    @cached_property
    def spoken_clocks(self) -> tuple[SpokenClock, ...]:
        """Every language's way of saying a time in words ('saa mbili asubuhi'): people switch languages."""
        return tuple(pack.words.clock for pack in self.packs.values() if pack.words.clock is not None)

    def command_for_word(self, word: str) -> str | None:
        """The command a typed word stands for in any language ('menu', 'msaada', 'STOP')."""
        return self._command_words.get(word.strip().lower())
