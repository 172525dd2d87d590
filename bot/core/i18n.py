"""Strings and content from the library in a person's language, falling back to English."""

from __future__ import annotations

import logging
from functools import cached_property
from pathlib import Path

from bot.core.crisis import CrisisWords, Signal
from bot.library.loader import BASE_LANGUAGE, LanguagePack, load_packs
from bot.library.schema import STAGE_ORDER, CheckIn, Exercise, Help, Stage

log = logging.getLogger(__name__)


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
        template = self.pack(language).ui.get(key) or self.base.ui.get(key)
        if template is None:
            log.error("missing UI string %s", key)
            return key
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

    def command_for_word(self, word: str) -> str | None:
        """The command a typed word stands for in any language ('menu', 'msaada', 'STOP')."""
        return self._command_words.get(word.strip().lower())
