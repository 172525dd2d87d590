"""Names, reasons, intros and cohort names that others see carry no control, bidi-override or zero-width
characters: a right-to-left override could make a name read as something else, a zero-width one as nothing."""

from __future__ import annotations

import pytest

from bot.app import Services
from bot.core.text import visible
from tests.peers import Post, ask_for_peer, group, offer

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
