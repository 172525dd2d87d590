"""A typed reply matched to the choices last offered: people on WhatsApp, and many elsewhere, type rather than tap.

A reply matches a choice by its label (case, accents, emoji and numbering ignored), by the language's yes/no words
for a yes/no question, or by the choice's number. Anything else matches nothing, and the caller asks again.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Sequence

from bot.core.domain import Offered
from bot.core.messages import Choice, Reply

_NUMBERED = re.compile(r"^\s*#?(\d{1,2})\s*[.)]?\s+(?=[^\W\d])")
_NUMBER_ONLY = re.compile(r"^\s*#?\s*(\d{1,2})\s*[.)\]]?\s*$")
MIN_PART_CHARS = 3  # a typed part of a label must be at least this long to count


def normalize(text: str) -> str:
    """Lower case, no accents, no emoji or punctuation, single spaces: 'Sí, ¡Acepto! ✅' → 'si acepto'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category.startswith("M"):
            continue
        kept.append(char if category[0] in "LN" else " ")
    return " ".join("".join(kept).split())


def _words(text: str) -> str:
    """Normalized text without a leading choice number ('2. Not now' → 'not now')."""
    match = _NUMBERED.match(text)
    rest = text[match.end():] if match and match.end() < len(text) else text
    return normalize(rest)


def resolve(text: str, choices: Sequence[Choice], yes_words: Collection[str], no_words: Collection[str], *,
            numbers: bool = True, partial: bool = True) -> Choice | None:
    """The one choice a typed reply stands for, or None when it stands for none (or for several).

    Where typed text is also read another way (a time, a zone), pass partial=False: only a whole label counts.
    """
    if not choices or not text.strip():
        return None
    if numbers and (match := _NUMBER_ONLY.fullmatch(text)):
        index = int(match.group(1))
        return choices[index - 1] if 1 <= index <= len(choices) else None
    typed = _words(text)
    if not typed:
        return None
    labels = [_words(choice.label) for choice in choices]
    exact = [c for c, label in zip(choices, labels, strict=True) if label == typed]
    if len(exact) == 1:
        return exact[0]
    means = _yes_or_no(typed, yes_words, no_words)
    if means:
        meaning = [c for c in choices if c.means == means]
        if len(meaning) == 1:
            return meaning[0]
    if partial and len(typed) >= MIN_PART_CHARS:
        padded = f" {typed} "
        within = [c for c, label in zip(choices, labels, strict=True)
                   if label and (padded in f" {label} " or (len(label) >= MIN_PART_CHARS and f" {label} " in padded))]
        if len(within) == 1:
            return within[0]
    return None


def _yes_or_no(typed: str, yes_words: Collection[str], no_words: Collection[str]) -> str:
    """'yes' or 'no' when the reply is, or starts with, one of the words ('yes please', 'no thanks'); else ''."""
    for means, words in (("yes", yes_words), ("no", no_words)):
        for word in words:
            if typed == word or typed.startswith(word + " "):
                return means
    return ""


def offered_in(replies: Iterable[Reply]) -> Offered:
    """The choices of the last message that has any, as kept for typed answers: (key, label, means)."""
    asked = next((reply for reply in reversed(list(replies)) if reply.choices), None)
    return tuple((c.key, c.label, c.means) for c in asked.choices) if asked else ()
