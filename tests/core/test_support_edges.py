"""Peer-support edges a new user hit: each side's own goodbye, an honest relay intro, a report that says what
happened, a typed "1" in a relay, and a facilitator pausing or removing a supporter they approved."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.app import Services
from bot.channels.console import ConsoleChat
from tests.helpers import rows
from tests.peers import ask_for_peer, group, scene

pytestmark = pytest.mark.both_engines


async def test_when_the_volunteer_ends_each_side_gets_its_own_message(services: Services) -> None:
    s = await scene(services, accept=True)
    await s.kito.send("/end")
    assert "Thank you for being there" in s.kito.text and "reaching out" not in s.kito.text
    await s.post.deliver()
    told = s.post.last(s.rumi)
    assert told.startswith("The conversation has ended 🌿")
    assert "Thank you for reaching out" in told and "being there" not in told


async def test_when_the_requester_ends_each_side_gets_its_own_message(services: Services) -> None:
    s = await scene(services, accept=True)
    await s.rumi.send("/end")
    assert "Thank you for reaching out" in s.rumi.text and "being there" not in s.rumi.text
    await s.post.deliver()
    told = s.post.last(s.kito)
    assert "Thank you for being there" in told and "reaching out" not in told


async def test_the_relay_intro_does_not_claim_names_are_hidden(services: Services) -> None:
    s = await scene(services, accept=True)
    assert "talking with Rumi through the bot" in s.kito.text
    assert "neither of you sees the other's name" not in s.kito.text
    assert "sees only the name the other chose" in s.kito.text
    await s.post.deliver()
    matched = s.post.last(s.rumi)
    assert "Kito would like to talk with you" in matched
    assert "without your name" not in matched and "only the name you chose" in matched


async def test_after_a_report_the_reporter_is_told_what_happened(services: Services) -> None:
    s = await scene(services, accept=True)
    await s.rumi.send("/report")
    await s.rumi.send("They pushed me to meet")
    await s.rumi.press("Keep it anonymous")
    told = s.rumi.text
    assert "Here is what happened" in told
    assert "I ended the conversation" in told
    assert "A facilitator of the group has been told" in told
    assert "won't be matched with this person again" in told
    await s.post.deliver()
    assert s.post.last(s.group.fay).startswith("A note for you 📋")


async def test_a_typed_1_in_a_relay_is_text_not_an_old_button(services: Services, tmp_path: Path) -> None:
    s = await scene(services, accept=False)
    out = io.StringIO()
    console = ConsoleChat(services.engine, s.kito.address.id, tmp_path, out)
    console.last_choices = next(reply.choices for item in s.post.sender.sent if item.address == s.kito.address
                                for reply in item.replies if reply.choices)
    await console.say("1")  # "Yes, I can talk", typed as its number
    assert "talking with Rumi through the bot" in out.getvalue()
    assert console.last_choices[0].label == "End conversation"
    assert await console.say("1") == []  # to Rumi, as words: the conversation goes on
    await s.post.deliver()
    assert s.post.last(s.rumi) == "New message 💬\n1"
    assert rows(services.settings.database_path, "SELECT status FROM support_requests") == [("relay",)]


async def test_a_facilitator_pauses_an_approved_supporter_and_approves_them_again(services: Services) -> None:
    s = await scene(services, accept=True)
    fay, kito, rumi, post = s.group.fay, s.kito, s.rumi, s.post
    await rumi.send("/end")
    await fay.send("/volunteers")
    await fay.press("Supporters")
    assert "Kito (Spring group)" in fay.text
    await fay.press("Kito")
    await fay.press("Pause")
    assert "Kito is paused" in fay.text
    await post.deliver()
    assert "A facilitator paused your offer" in post.last(kito)
    await kito.send("/offer")
    assert "waiting for a facilitator" in kito.text

    other = await s.group.member("req-8842")
    await other.send("/support")
    await other.press("Talk to a peer")
    assert "no peer supporter is free right now" in other.text  # Kito is not asked while paused

    await fay.send("/volunteers")
    await fay.press("Kito")
    await fay.press("Approve")
    await ask_for_peer(other, "Ayo")
    assert "I'm asking a peer supporter now" in other.text


async def test_a_facilitator_removes_a_supporter_and_their_conversation_ends(services: Services) -> None:
    s = await scene(services, accept=True)
    fay, kito, rumi, post = s.group.fay, s.kito, s.rumi, s.post
    await fay.send("/volunteers")
    await fay.press("Supporters")
    await fay.press("Kito")
    await fay.press("Remove")
    assert "Kito is no longer a peer supporter" in fay.text
    await post.deliver()
    assert "ended your role as a peer supporter" in post.last(kito)
    assert post.last(rumi).startswith("The conversation has ended 🌿")
    await kito.send("/offer")
    assert "not approved this time" in kito.text
    assert rows(services.settings.database_path, "SELECT action FROM facilitator_audit ORDER BY id DESC LIMIT 1") \
        == [("volunteer_removed",)]


async def test_a_facilitator_cannot_pause_someone_elses_supporter(services: Services) -> None:
    s = await scene(services)
    other = await group(services, "fay-0002", "Autumn group")
    kito_id = await s.kito.contact_id()
    await other.fay.press_key(f"offer:hold:{kito_id}")
    assert "no longer works" in other.fay.text or "earlier moment" in other.fay.text
    assert rows(services.settings.database_path, "SELECT status FROM volunteers") == [("approved",)]
