"""Names, reasons, intros, cohort names, relayed words and broadcasts that others see carry no control,
bidi-override or zero-width characters: a right-to-left override could make a name, a phone number or a link
read as something else, a zero-width one as nothing. Emoji built with a joiner stay whole."""

from __future__ import annotations

import pytest

from bot.app import Services
from bot.core.proactive.broadcasts import message as broadcast_message
from bot.core.reach import parse_phone
from bot.core.text import message, visible
from tests.broadcasting import write
from tests.outbox import FakeSender, dispatcher, facilitator, member, new_cohort
from tests.peers import Person, Post, ask_for_peer, group, offer, scene

pytestmark = pytest.mark.both_engines

HIDDEN = ("\u202e", "\u202d", "\u2066", "\u2067", "\u2069", "\u200b", "\u200c", "\u200d", "\u200e", "\u200f",
          "\ufeff", "\u2060", "\x00", "\x1b", "\x07", "\u3164")


def _hide(word: str) -> str:
    """`word` with every hidden character tucked between its letters."""
    return word[0] + "".join(HIDDEN) + word[1:]


async def test_what_others_see_has_no_hidden_characters(services: Services) -> None:
    post = Post(services)
    g = await group(services, cohort=_hide("Spring group"))
    kito = await g.member("vol-5519")
    await offer(kito, _hide("Kito"), intro=_hide("I have been there too."))
    await post.deliver()
    await g.fay.send("/volunteers")
    await g.fay.press("Kito")
    assert "Kito (Spring group) would like to be a peer supporter" in g.fay.text
    assert "I have been there too." in g.fay.text
    await g.fay.press("Approve")
    await post.deliver()
    rumi = await g.member("req-7731")
    await ask_for_peer(rumi, _hide("Rumi"), reason=_hide("A rough week"))
    await post.deliver()
    request = post.last(kito)
    assert "Name: Rumi" in request and "A rough week" in request
    await g.fay.send("/cohorts")
    assert "Spring group" in g.fay.text
    everything = post.every_text(g.fay, kito, rumi)
    for char in HIDDEN:
        assert char not in everything, repr(char)


def test_visible_keeps_letters_emoji_and_accents() -> None:
    assert visible("José 🙂 Ñandú, ✍️ 👩🏽") == "José 🙂 Ñandú, ✍️ 👩🏽"
    assert visible("a\u202eb\u200bc\nd") == "abc d"


# Joined pictures and the tag-spelled flags that must survive: a family, a rainbow flag, a person with a
# skin tone at a laptop, a heart on fire, Scotland.
EMOJI = "\U0001f469\u200d\U0001f469\u200d\U0001f467 \U0001f3f3\ufe0f\u200d\U0001f308 " \
        "\U0001f469\U0001f3fd\u200d\U0001f4bb \u2764\ufe0f\u200d\U0001f525 " \
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
# "call 0712 345 678" that a right-to-left override would show reversed, and a link split by zero-width spaces.
SPOOF = "call \u202e876 543 2170\u202c now\nsee exa\u200bmple.org\u2066!\u2069 ok\u200d.\ufeff"


async def test_relayed_words_reach_the_other_side_without_hidden_characters(services: Services) -> None:
    s = await scene(services, accept=True)
    await s.post.deliver()
    await s.rumi.send(SPOOF)
    await s.post.deliver()
    assert s.post.last(s.kito) == "New message 💬\ncall 876 543 2170 now\nsee example.org! ok."
    await s.kito.send(f"{_hide('Thanks')}\r\nsecond line {EMOJI}")
    await s.post.deliver()
    assert s.post.last(s.rumi) == f"New message 💬\nThanks\nsecond line {EMOJI}"
    everything = s.post.every_text(s.kito, s.rumi)
    for char in HIDDEN:
        assert char not in everything.replace(EMOJI, ""), repr(char)
    assert "\u202e" not in await s.post.payloads()  # stored clean, not only shown clean


async def test_a_relayed_message_of_nothing_visible_is_not_passed_on(services: Services) -> None:
    s = await scene(services, accept=True)
    await s.post.deliver()
    before = len(s.post.texts(s.kito))
    await s.rumi.send("\u200b\u202e\u2060")
    await s.post.deliver()
    assert len(s.post.texts(s.kito)) == before
    assert "didn't catch that" in s.rumi.text


async def test_a_broadcast_reaches_members_without_hidden_characters(services: Services) -> None:
    fay = await facilitator(services)
    code = await new_cohort(fay)
    await member(services, code, "ana")
    await write(fay, f"{SPOOF}\n\n{EMOJI}")
    preview = fay.replies[1].text
    assert preview == f"A message from your group 📬\n\ncall 876 543 2170 now\nsee example.org! ok.\n\n{EMOJI}"
    await fay.press("Send now")
    sender = FakeSender()
    await dispatcher(services, sender).drain()
    assert sender.texts("ana") == [preview]


async def test_a_broadcast_written_before_the_cleaning_is_cleaned_when_sent(services: Services) -> None:
    """A broadcast can be scheduled a year ahead: text stored before this fix is cleaned on its way out."""
    shown = broadcast_message(services.library, "en", f"{SPOOF}{EMOJI}")
    assert shown.endswith(f"call 876 543 2170 now\nsee example.org! ok.{EMOJI}")


def test_joiners_stay_only_inside_emoji() -> None:
    assert message(EMOJI) == EMOJI
    assert visible(EMOJI) == EMOJI
    assert message("line one\nline two\ttab\u2028three\r\nfour\rfive") == \
        "line one\nline two\ttab\nthree\nfour\nfive"
    assert message("pho\u200dne \U0001f642\u200da \u200d\U0001f642 \U0001f642\u200d\u200d\U0001f642") == \
        "phone \U0001f642a \U0001f642 \U0001f642\u200d\U0001f642"
    assert message("\U0001f3f4\U000e0061\U000e0062\U000e007f hidden") == "\U0001f3f4 hidden"  # no made-up tag flags
    assert message("\u202e\u2067\u200b\u2060\ufeff\x1b[31m\x00") == "[31m"


async def test_a_buddy_name_of_blank_letters_is_asked_again(services: Services) -> None:
    """The name a buddy sees goes through the same cleaning: a Hangul filler looks like nothing at all."""
    ana, bo = Person(services, "ana"), Person(services, "bo")
    await ana.consent()
    await bo.consent()
    await ana.send("/checkon")
    await ana.press("2 days quiet")
    await ana.send("\u3164\u3164")
    assert "What name should your buddy see?" in ana.text
    await ana.send(_hide("Sunny"))
    code = next(word for word in ana.text.split() if word.startswith("BD-"))
    await bo.send(f"/buddy {code}")
    assert "Sunny" in bo.text
    for char in HIDDEN:
        assert char not in bo.text + ana.text, repr(char)


def test_a_phone_number_shown_to_a_peer_is_plain_digits() -> None:
    """Superscript digits look like a number but dial nothing (and break the wa.me link); other scripts' digits
    are read as the digits they are."""
    assert parse_phone("+²⁵⁴ ⁷¹² ³⁴⁵ ⁶⁷⁸") is None
    assert parse_phone("+٢٥٤ ٧١٢ ٣٤٥ ٦٧٨") == "+254712345678"
    assert parse_phone("+254 712 345 678") == "+254712345678"
