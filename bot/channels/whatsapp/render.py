"""Turn a Reply into WhatsApp messages within the Cloud API's limits (see shared platform facts).

Up to 3 choices become reply buttons, 4 to 10 a list message, more a numbered text that the person answers
by typing the number. Interactive bodies hold at most 1024 characters: longer text goes first as plain text,
followed by a short prompt carrying the choices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.messages import Choice, Document, Image, Reply

MAX_TEXT = 4096
MAX_INTERACTIVE_BODY = 1024
MAX_CAPTION = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class Text:
    body: str


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    title: str
    description: str | None = None


@dataclass(frozen=True, slots=True)
class Buttons:
    body: str
    options: tuple[Option, ...]


@dataclass(frozen=True, slots=True)
class ListMessage:
    body: str
    button: str
    options: tuple[Option, ...]


Part = Text | Buttons | ListMessage | Image | Document  # pictures and files go as the core made them


@dataclass(frozen=True, slots=True)
class Wording:
    """The channel's own words in the person's language."""

    list_button: str
    choose_prompt: str
    numbered_hint: str


@dataclass(frozen=True, slots=True)
class Rendered:
    parts: list[Part]
    numbered: tuple[Choice, ...]  # choices to be answered by typing their number, or ()


def clip(text: str, limit: int) -> str:
    """Cut text to `limit` characters, ending with an ellipsis when cut; never splits a character."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + ELLIPSIS


def chunks(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Split long text at line breaks (or spaces) into pieces of at most `limit` characters."""
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return pieces


def _options(choices: tuple[Choice, ...], sign: Callable[[str], str], title_limit: int,
             describe: bool) -> tuple[Option, ...]:
    options = []
    for choice in choices:
        title = clip(choice.label, title_limit)
        cut = title != " ".join(choice.label.split())
        description = clip(choice.label, MAX_ROW_DESCRIPTION) if describe and cut else None
        options.append(Option(sign(choice.key), title, description))
    return tuple(options)


def _interactive(text: str, choices: tuple[Choice, ...], sign: Callable[[str], str],
                 wording: Wording) -> list[Part]:
    parts: list[Part] = []
    body = text.strip()
    if len(body) > MAX_INTERACTIVE_BODY:
        parts += [Text(piece) for piece in chunks(body)]
        body = wording.choose_prompt
    body = body or wording.choose_prompt
    if len(choices) <= MAX_BUTTONS:
        parts.append(Buttons(body, _options(choices, sign, MAX_BUTTON_TITLE, describe=False)))
    else:
        button = clip(wording.list_button, MAX_BUTTON_TITLE)
        parts.append(ListMessage(body, button, _options(choices, sign, MAX_ROW_TITLE, describe=True)))
    return parts


def _numbered(text: str, choices: tuple[Choice, ...], wording: Wording) -> list[Part]:
    lines = [text.strip(), ""] if text.strip() else []
    lines += [f"{number}. {choice.label}" for number, choice in enumerate(choices, 1)]
    lines += ["", wording.numbered_hint]
    return [Text(piece) for piece in chunks("\n".join(lines))]


def render(reply: Reply, sign: Callable[[str], str], wording: Wording) -> Rendered:
    """Plan the messages for one Reply: media first, then text and choices."""
    parts: list[Part] = []
    if reply.image is not None:
        parts.append(Image(reply.image.png, reply.image.caption[:MAX_CAPTION]))
    if reply.document is not None:
        parts.append(reply.document)
    choices = reply.choices
    if not choices:
        parts += [Text(piece) for piece in chunks(reply.text)]
        return Rendered(parts, ())
    if len(choices) > MAX_ROWS:
        return Rendered(parts + _numbered(reply.text, choices, wording), choices)
    return Rendered(parts + _interactive(reply.text, choices, sign, wording), ())
