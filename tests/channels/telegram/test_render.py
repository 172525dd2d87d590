from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from telegram import User

from bot.channels.telegram.channel import file_url, language_hint
from bot.channels.telegram.render import MAX_CAPTION, MAX_TEXT, keyboard, parts, split_text, utf16_len
from bot.core import callbacks
from bot.core.messages import MAX_CHOICE_KEY_BYTES, Address, Choice, Document, Image, Reply

KEY = b"k" * 32
ADDRESS = Address("telegram", "-1001234567890123")


def sign(key: str) -> str:
    return callbacks.sign(KEY, ADDRESS, key)


def test_emoji_outside_the_bmp_count_twice() -> None:
    assert utf16_len("🌱") == 2
    assert utf16_len("é") == 1


def test_a_long_text_is_split_at_paragraphs_within_the_limit() -> None:
    paragraph = "word " * 300
    text = "\n\n".join([paragraph.strip()] * 10)
    chunks = split_text(text)
    assert len(chunks) > 1
    assert all(utf16_len(chunk) <= MAX_TEXT for chunk in chunks)
    assert all(chunk.endswith("word") and chunk.startswith("word") for chunk in chunks)


@given(st.text(alphabet=st.sampled_from(["a", " ", "\n", "🌱", "é"]), max_size=3000), st.integers(10, 500))
def test_splitting_keeps_every_word_and_respects_the_limit(text: str, limit: int) -> None:
    chunks = split_text(text, limit)
    assert all(0 < utf16_len(chunk) <= limit for chunk in chunks)
    assert "".join("".join(chunks).split()) == "".join(text.split())


def test_a_short_text_rides_as_the_caption_of_its_picture() -> None:
    (photo,) = parts(Reply("Your moods", image=Image(b"png")))
    assert (photo.kind, photo.text, photo.data) == ("photo", "Your moods", b"png")


def test_a_long_caption_overflows_into_text_messages() -> None:
    calls = parts(Reply("", image=Image(b"png", caption="c " * MAX_CAPTION)))
    assert calls[0].kind == "photo" and utf16_len(calls[0].text) <= MAX_CAPTION
    assert [call.kind for call in calls[1:]] == ["text"]


def test_a_long_text_comes_before_its_file() -> None:
    calls = parts(Reply("x " * 700, document=Document("my-data.json", b"{}")))
    assert [call.kind for call in calls] == ["text", "document"]
    assert calls[1].filename == "my-data.json"


def test_choices_without_text_still_get_a_message() -> None:
    assert [call.kind for call in parts(Reply("", (Choice("menu:menu", "Menu"),)))] == ["text"]
    assert parts(Reply("  ")) == []


def test_the_longest_choice_key_fits_in_callback_data_and_verifies() -> None:
    key = "reflect:" + "x" * (MAX_CHOICE_KEY_BYTES - len("reflect:"))
    markup = keyboard([Choice(key, "Go"), Choice("menu:menu", "Menu")], sign)
    assert markup is not None
    data = [row[0].callback_data for row in markup.inline_keyboard]
    assert all(isinstance(d, str) and len(d.encode()) <= 64 for d in data)
    assert callbacks.verify(KEY, ADDRESS, str(data[0])) == key


def test_a_key_too_long_for_telegram_is_left_out_not_sent() -> None:
    assert keyboard([Choice("x" * 80, "Too long")], sign) is None


def test_the_file_url_sits_beside_the_bot_url() -> None:
    assert file_url("http://127.0.0.1:9000/bot") == "http://127.0.0.1:9000/file/bot"
    assert file_url("https://api.telegram.org/bot/") == "https://api.telegram.org/file/bot"


def test_the_language_hint_is_the_base_language() -> None:
    assert language_hint(User(1, "A", False, language_code="pt-BR")) == "pt"
    assert language_hint(User(1, "A", False)) is None
    assert language_hint(None) is None
