"""Text that someone else will see: no control, bidi-override or zero-width characters.

A name, reason, intro or cohort name is shown to other people, and so are relayed words and broadcasts; a
right-to-left override or a zero-width character in them can make them read as something else (a phone number
or a link reversed) or hide words altogether. Emoji stay whole: a zero-width joiner between two pictures
(👩‍👩‍👧, 🏳️‍🌈) and the three flags spelled with tag characters are part of one picture, so they are kept;
anywhere else they are hidden characters like the rest.
"""

from __future__ import annotations

import unicodedata

# Format (bidi overrides and isolates, zero-width space/joiners, BOM…), control, private-use and surrogates.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs"})
# Letters that render as blank space and are used to fake an empty or look-alike name.
BLANK_LETTERS = frozenset({"\u115f", "\u1160", "\u3164", "\uffa0", "\u2800"})
LINE_BREAKS = frozenset({"\n", "\r", "\t", "\v", "\f", "\u2028", "\u2029", "\x85"})
ZWJ = "\u200d"
# What may sit between a picture and the joiner: the emoji presentation selector and the skin tones.
EMOJI_TAILS = frozenset({"\ufe0f", *(chr(code) for code in range(0x1F3FB, 0x1F400))})
# England, Scotland, Wales: a black flag, tag letters, a cancel tag (the only flags written this way).
TAG_FLAGS = tuple("\U0001f3f4" + "".join(chr(0xE0000 + ord(c)) for c in code) + "\U000e007f"
                  for code in ("gbeng", "gbsct", "gbwls"))


def _picture(char: str) -> bool:
    return unicodedata.category(char) == "So"


def _joins_pictures(kept: list[str], after: str) -> bool:
    """True for a joiner that glues two pictures into one (👩 + 👩 + 👧), after any skin tone or selector."""
    before = len(kept) - 1
    while before >= 0 and kept[before] in EMOJI_TAILS:
        before -= 1
    return before >= 0 and _picture(kept[before][-1]) and _picture(after)


def _kept(text: str, line_break: str, keep: frozenset[str]) -> str:
    kept: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        flag = next((f for f in TAG_FLAGS if char == f[0] and text.startswith(f, i)), None)
        if flag is not None:
            kept.append(flag)
            i += len(flag)
            continue
        if char in keep:
            kept.append(char)
        elif char in LINE_BREAKS:
            kept.append(line_break)
        elif char == ZWJ:
            if i + 1 < len(text) and _joins_pictures(kept, text[i + 1]):
                kept.append(char)
        elif char not in BLANK_LETTERS and unicodedata.category(char) not in HIDDEN_CATEGORIES:
            kept.append(char)
        i += 1
    return "".join(kept)


def visible(text: str) -> str:
    """`text` with hidden characters removed (line breaks become spaces)."""
    return _kept(text, " ", frozenset())


def one_line(text: str) -> str:
    """What a person typed as a name or short text, visible and on one line with single spaces."""
    return " ".join(visible(text).split())


def message(text: str) -> str:
    """Words one person passes to another (a relayed message, a broadcast), hidden characters removed; lines
    and tabs stay as typed, every other kind of line break becomes a plain newline."""
    return _kept(text.replace("\r\n", "\n"), "\n", frozenset({"\n", "\t"}))
