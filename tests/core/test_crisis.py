"""Urgent words get the right card at once AND the conversation goes on; words in passing get no card."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.app import Services, build_services
from bot.config import load_settings
from bot.core.clock import FakeClock
from bot.core.features.reflect import Reflect
from bot.core.i18n import Library
from bot.errors import ConfigError
from tests.helpers import CONTENT, TEST_KEY, Chat
from tests.peers import Post, ask_for_peer, group, volunteer

pytestmark = pytest.mark.both_engines

OVERDOSE_CARD = "If someone may be overdosing"
SUICIDE_CARD = "If you feel like ending your life or hurting yourself"


async def contact_id(services: Services, chat: Chat) -> int:
    contact = await services.store.contacts.find(chat.address)
    assert contact is not None
    return contact.id


async def test_an_urgent_answer_in_a_reflection_shows_the_card_and_is_kept_and_counted(services: Services) -> None:
    chat = Chat(services.engine)
    await chat.consent(keep_notes=True)
    await chat.open_exercise("Self", "As you would a friend")
    await chat.press("Next")
    replies = await chat.send("some days I want to die")
    assert SUICIDE_CARD in replies[0].text and "not a crisis service" in replies[0].text
    assert OVERDOSE_CARD not in chat.text
    assert "· 3/4" in replies[-1].text, "the exercise goes on where it was"
    while not any("journey" in c.key for c in chat.choices):
        await chat.press("Next") if any(c.key.startswith("reflect:next") for c in chat.choices) else \
            await chat.send("a kinder line")
    done = await services.store.completions.for_contact(await contact_id(services, chat))
    assert [d.exercise_id for d in done] == ["friend-voice"]
    assert done[0].answers is not None and "some days I want to die" in done[0].answers


async def test_an_urgent_check_in_note_shows_the_overdose_card_and_the_note_is_saved(services: Services) -> None:
    chat = Chat(services.engine)
    await chat.consent(keep_notes=True)
    await chat.send("/checkin")
    await chat.press("Very low")
    replies = await chat.send("my mate's lips are blue and he won't wake up")
    assert OVERDOSE_CARD in replies[0].text and SUICIDE_CARD not in chat.text
    assert "Saved" in chat.text or "saved" in chat.text
    latest = await services.store.checkins.latest(await contact_id(services, chat), 1)
    assert latest[0].mood == 1 and (latest[0].note or "").startswith("my mate's lips are blue")


async def test_an_urgent_relay_message_is_delivered_with_a_note_and_the_writer_is_told(services: Services) -> None:
    post = Post(services)
    g = await group(services)
    kito = await volunteer(g, "vol-5519", "Kito", detail="@kito_peer_77")
    rumi = await g.member("req-7731")
    await ask_for_peer(rumi, "Rumi")
    await post.deliver()
    await post.press(kito, "Yes, I can talk")
    await post.deliver()
    replies = await rumi.send("honestly I want to kill myself")
    assert SUICIDE_CARD in replies[0].text
    assert "Your message went to your peer" in replies[-1].text
    await post.deliver()
    received = post.last(kito)
    assert received.startswith("New message 💬\nhonestly I want to kill myself")
    assert "may be in danger" in received and "your local emergency number" in received
    assert "findahelpline.com" in received, "where help is, even with no local services configured"
    await rumi.send("thanks for listening")  # ordinary words after it go on as before
    await post.deliver()
    assert post.last(kito) == "New message 💬\nthanks for listening"


async def test_a_topic_word_gets_no_card_and_one_help_line_a_day(services: Services) -> None:
    chat = Chat(services.engine)
    await chat.consent(keep_notes=True)
    await chat.open_exercise("Self", "As you would a friend")
    await chat.press("Next")
    replies = await chat.send("I am a survivor of an overdose")
    assert not any(OVERDOSE_CARD in r.text or SUICIDE_CARD in r.text for r in replies)
    assert "· 3/4" in replies[0].text and replies[0].text.endswith("/help is there if you or someone near you "
                                                                      "ever needs it.")
    replies = await chat.send("withdrawal was hard this week")
    assert "/help is there" not in "".join(r.text for r in replies), "once a day is enough"
    services.clock.advance(days=1)  # type: ignore[attr-defined]
    replies = await chat.send("/checkin")
    await chat.press("Okay")
    replies = await chat.send("dope sick again")
    assert "/help is there" in replies[-1].text


async def test_idioms_get_no_card(chat: Chat) -> None:
    await chat.consent()
    for idiom in ("my mum will kill me", "me mata de risa", "I nearly killed myself laughing"):
        replies = await chat.send(idiom)
        assert "didn't catch that" in replies[0].text
        assert not any(OVERDOSE_CARD in r.text or SUICIDE_CARD in r.text for r in replies)


async def test_urgent_words_outside_any_conversation_get_the_card_without_i_didnt_catch_that(chat: Chat) -> None:
    await chat.consent()
    replies = await chat.send("he is not breathing")
    assert len(replies) == 1 and OVERDOSE_CARD in replies[0].text and replies[0].choices


def test_the_emergency_number_is_shown_as_typed_or_named_generically() -> None:
    typed = Library.load(CONTENT, "999 or 112")
    assert "Call 999 or 112. Saying" in typed.help_text("en", "overdose")
    assert "call 999 or 112" in typed.help_text("en", "suicide")
    unset = Library.load(CONTENT)
    for code in ("en", "fr", "es", "pt", "sw"):
        for part in ("card", "overdose", "suicide"):
            text = unset.help_text(code, part)
            assert unset.help(code).emergency_unset in text and "{" not in text


async def test_help_shows_both_cards_and_a_way_to_find_a_helpline(chat: Chat) -> None:
    await chat.send("/help")
    assert OVERDOSE_CARD in chat.text and SUICIDE_CARD in chat.text
    assert "findahelpline.com" in chat.text
    assert "keep giving them until the person breathes on their own" in chat.text
    assert chat.text.index("breathes on their own") < chat.text.index("recovery position")


async def test_the_emergency_number_setting_reaches_the_cards(tmp_path: Path, clock: FakeClock) -> None:
    settings = load_settings(_env_file=None, database_path=tmp_path / "c.db", data_key=TEST_KEY, content_dir=CONTENT,
                             emergency_number=" 999 or 112 ")
    services = await build_services(settings, clock)
    try:
        chat = Chat(services.engine)
        await chat.send("she won't wake up")
        assert "Call 999 or 112. Saying" in chat.text and "your local emergency number" not in chat.text
    finally:
        await services.close()
    with pytest.raises(ConfigError, match="EMERGENCY_NUMBER"):
        load_settings(_env_file=None, emergency_number="call {someone}")


async def test_the_card_goes_out_even_when_the_flow_behind_it_breaks(services: Services, chat: Chat,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    await chat.consent()
    await chat.open_exercise("Self", "As you would a friend")
    await chat.press("Next")

    async def broken(*_: object) -> list[object]:
        raise RuntimeError("a bug somewhere in the flow")

    monkeypatch.setattr(Reflect, "on_text", broken)
    replies = await chat.send("I want to end it all")
    assert SUICIDE_CARD in replies[0].text
    assert "something went wrong on our side" in replies[-1].text
