"""Tell an urgent crisis (someone overdosing now, someone wanting to die) from drugs mentioned in passing.

Both the word lists (content/<lang>/words.yaml, `crisis:`) and the typed text are normalised the same way:
case, accents, apostrophes, punctuation and repeated letters ("sooo", "diieee") do not matter, so a list
entry written once matches how people actually type it. Idioms listed under `not_crisis` ("my mum will kill
me", "me mata de risa") are blanked out before the search, so they never raise a card.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "′": "'"})
_NOT_WORD = re.compile(r"[^\w']+")
_REPEATS = re.compile(r"(\w)\1+")
_GAP = " | "  # what a blanked-out idiom leaves: no phrase can match across it


class Kind(StrEnum):
    """Which card an urgent message needs."""

    OVERDOSE = "overdose"
    SUICIDE = "suicide"


@dataclass(frozen=True, slots=True)
class Signal:
    """What a message holds: urgent kinds (a card at once), or only a topic (at most a one-line hint)."""

    kinds: frozenset[Kind]

    @property
    def urgent(self) -> bool:
        return bool(self.kinds)


def _fold(text: str) -> str:
    """Lower case, no accents, one kind of apostrophe, punctuation as spaces, no repeated letters."""
    text = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = _NOT_WORD.sub(" ", text.replace("_", " "))
    return _REPEATS.sub(r"\1", text)


def variants(text: str) -> tuple[str, ...]:
    """The forms a text is searched in: apostrophes dropped ("won't" = "wont") and as spaces ("l'overdose")."""
    folded = _fold(text)
    joined = " ".join(folded.replace("'", "").split())
    spaced = " ".join(folded.replace("'", " ").split())
    return (joined,) if joined == spaced else (joined, spaced)


def normalise(phrase: str) -> str:
    """A list entry in the form it is searched for."""
    return variants(phrase)[0]


def _pattern(phrases: Iterable[str]) -> re.Pattern[str] | None:
    forms = sorted({normalise(p) for p in phrases if normalise(p)}, key=len, reverse=True)
    if not forms:
        return None
    return re.compile("|".join(rf"(?<!\w){re.escape(form)}(?!\w)" for form in forms))


class CrisisWords:
    """The crisis phrases of every language at once: people switch languages mid-sentence."""

    def __init__(self, overdose: Iterable[str], suicide: Iterable[str], topic: Iterable[str],
                 not_crisis: Iterable[str]) -> None:
        self._urgent = {Kind.OVERDOSE: _pattern(overdose), Kind.SUICIDE: _pattern(suicide)}
        self._topic = _pattern(topic)
        self._not = _pattern(not_crisis)

    def signal(self, text: str) -> Signal | None:
        """The urgent kinds in text, an empty Signal for a topic only, or None when it holds neither."""
        if not text or not text.strip():
            return None
        forms = variants(text)
        if self._not is not None:
            forms = tuple(self._not.sub(_GAP, form) for form in forms)
        kinds = frozenset(kind for kind, pattern in self._urgent.items()
                          if pattern is not None and any(pattern.search(form) for form in forms))
        if kinds:
            return Signal(kinds)
        if self._topic is not None and any(self._topic.search(form) for form in forms):
            return Signal(frozenset())
        return None
