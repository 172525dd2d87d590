"""Text that someone else will see: no control, bidi-override or zero-width characters.

A name, reason, intro or cohort name is shown to other people; a right-to-left override or a zero-width
character in it can make it read as something else (or as nothing at all).
"""

from __future__ import annotations

import unicodedata

# Format (bidi overrides and isolates, zero-width space/joiners, BOM…), control, private-use and surrogates.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs"})
# Letters that render as blank space and are used to fake an empty or look-alike name.
BLANK_LETTERS = frozenset({"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"})
LINE_BREAKS = frozenset({"\n", "\r", "\t", "\v", "\f", "\u2028", "\u2029", "\x85"})


def visible(text: str) -> str:
    """`text` with hidden characters removed (line breaks become spaces)."""
    kept = []
    for char in text:
        if char in LINE_BREAKS:
            kept.append(" ")
        elif char not in BLANK_LETTERS and unicodedata.category(char) not in HIDDEN_CATEGORIES:
            kept.append(char)
    return "".join(kept)


def one_line(text: str) -> str:
    """What a person typed as a name or short text, visible and on one line with single spaces."""
    return " ".join(visible(text).split())
