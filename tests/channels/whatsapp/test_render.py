from __future__ import annotations

from bot.channels.whatsapp.render import (
    MAX_BUTTON_TITLE,
    MAX_INTERACTIVE_BODY,
    MAX_ROW_TITLE,
    MAX_TEXT,
    Buttons,
    ListMessage,
    Text,
    Wording,
    chunks,
    clip,
    render,
)
from bot.core.messages import Choice, Document, Image, Reply

WORDING = Wording("Choose", "Choose one:", "Reply with a number.")


def signed(key: str) -> str:
    return f"1{key}.mac"


def choices(count: int, label: str = "Option") -> tuple[Choice, ...]:
    return tuple(Choice(f"menu:item{n}", f"{label} {n}") for n in range(1, count + 1))


def test_no_choices_is_plain_text() -> None:
    rendered = render(Reply("Hello"), signed, WORDING)
    assert rendered.parts == [Text("Hello")]
    assert rendered.numbered == ()


def test_up_to_three_choices_are_reply_buttons_with_signed_ids() -> None:
    rendered = render(Reply("Pick", choices(3)), signed, WORDING)
    [part] = rendered.parts
    assert isinstance(part, Buttons)
    assert [o.id for o in part.options] == ["1menu:item1.mac", "1menu:item2.mac", "1menu:item3.mac"]
    assert part.body == "Pick"


def test_four_to_ten_choices_are_a_list_message() -> None:
    for count in (4, 10):
        [part] = render(Reply("Pick", choices(count)), signed, WORDING).parts
        assert isinstance(part, ListMessage)
        assert len(part.options) == count
        assert part.button == "Choose"


def test_more_than_ten_choices_are_numbered_text_remembered_for_typing() -> None:
    rendered = render(Reply("Pick", choices(12)), signed, WORDING)
    assert all(isinstance(p, Text) for p in rendered.parts)
    body = "\n".join(p.body for p in rendered.parts if isinstance(p, Text))
    assert "1. Option 1" in body and "12. Option 12" in body and "Reply with a number." in body
    assert rendered.numbered == choices(12)


def test_long_labels_are_cut_within_limits_and_kept_whole_in_the_row_description() -> None:
    label = "A rather long label that goes on and on"
    [buttons] = render(Reply("Pick", (Choice("a:1", label),)), signed, WORDING).parts
    assert isinstance(buttons, Buttons)
    assert len(buttons.options[0].title) == MAX_BUTTON_TITLE and buttons.options[0].title.endswith("…")
    [rows] = render(Reply("Pick", choices(4, label)), signed, WORDING).parts
    assert isinstance(rows, ListMessage)
    assert all(len(o.title) <= MAX_ROW_TITLE for o in rows.options)
    assert rows.options[0].description == f"{label} 1"


def test_emoji_labels_are_cut_on_character_boundaries() -> None:
    title = clip("🙂" * 30, MAX_BUTTON_TITLE)
    assert title == "🙂" * 19 + "…"
    title.encode("utf-8")


def test_long_text_goes_first_then_a_short_prompt_with_the_choices() -> None:
    long_text = "word " * 300
    parts = render(Reply(long_text, choices(2)), signed, WORDING).parts
    assert isinstance(parts[0], Text) and parts[0].body == long_text.strip()
    assert isinstance(parts[-1], Buttons) and parts[-1].body == "Choose one:"
    assert len(long_text) > MAX_INTERACTIVE_BODY


def test_text_over_4096_is_split_at_line_breaks() -> None:
    paragraph = "x" * 1000
    text = "\n".join([paragraph] * 9)
    pieces = chunks(text)
    assert all(len(p) <= MAX_TEXT for p in pieces)
    assert "\n".join(pieces) == text
    assert chunks("y" * (MAX_TEXT + 10)) == ["y" * MAX_TEXT, "y" * 10]


def test_pictures_and_documents_come_before_the_text() -> None:
    reply = Reply("Your chart", image=Image(b"png", "Mood"), document=Document("data.json", b"{}"))
    parts = render(reply, signed, WORDING).parts
    assert parts == [Image(b"png", "Mood"), Document("data.json", b"{}"), Text("Your chart")]
