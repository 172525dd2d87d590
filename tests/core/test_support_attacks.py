"""Attacks on peer support, performed through the engine by two or three people on a real SQLite file: ids that
come back after /forget, a /report block or the daily cap undone by /forget and /start, and a facilitator who
plants a volunteer of their own. Each test fails on the code before the fix (issue 12, items 2 to 4)."""

from __future__ import annotations

from typing import cast

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from tests.helpers import rows
from tests.peers import Post, ask_for_peer, group, offer, scene, volunteer

pytestmark = pytest.mark.both_engines

PHONE = "+255766123987"


async def test_a_forgotten_request_leaves_no_id_to_reuse_and_an_old_yes_accepts_nothing(services: Services) -> None:
    s = await scene(services)  # Rumi's request went to Kito, who has not answered yet
    post, g, kito, rumi = s.post, s.group, s.kito, s.rumi
    old_yes = next(reply.choices for item in post.sender.sent if item.address == kito.address
                   for reply in item.replies if reply.text.startswith("Someone would like"))
    rumi_id = await rumi.forget()
    await rumi.consent()
    assert await rumi.contact_id() != rumi_id  # a contact id is never handed out again
    await post.deliver()

    mia = await g.member("req-8842")
    await ask_for_peer(mia, "Mia", reach="WhatsApp", detail=PHONE)
    assert "I'm asking a peer supporter now" in mia.text
    await post.deliver()
    assert post.last(kito).startswith("Someone would like to talk") and "Name: Mia" in post.last(kito)

    kito.choices = old_yes  # the "Yes" under Rumi's old request, never pressed
    await kito.press("Yes")
    assert PHONE not in post.seen_by(kito)
    assert "Mia" not in kito.text
    assert rows(services.settings.database_path, "SELECT status FROM support_requests") == [("asking",)]
    assert rows(services.settings.database_path, "SELECT status FROM support_asks") == [("asked",)]

    await post.press(kito, "Yes")  # the button made for Mia's request works
    assert f"WhatsApp: {PHONE}" in kito.text


async def test_request_and_ask_ids_are_never_reused(services: Services) -> None:
    s = await scene(services)
    first = rows(services.settings.database_path, "SELECT r.id, a.id FROM support_requests r JOIN support_asks a"
                 " ON a.request_id = r.id")
    await s.rumi.forget()
    again = await s.group.member("req-8842")
    await ask_for_peer(again)
    second = rows(services.settings.database_path, "SELECT r.id, a.id FROM support_requests r JOIN support_asks a"
                  " ON a.request_id = r.id")
    assert len(first) == len(second) == 1
    (old_request, old_ask), (new_request, new_ask) = (cast(tuple[int, int], found[0]) for found in (first, second))
    assert new_request > old_request and new_ask > old_ask


async def test_a_report_block_survives_the_reported_persons_forget_and_start(services: Services) -> None:
    s = await scene(services, accept=True)
    post, g, kito, rumi = s.post, s.group, s.kito, s.rumi
    await kito.send("/report")  # the volunteer reports the requester
    await kito.send("They threatened me")
    await kito.press("Keep it anonymous")
    await post.deliver()

    await rumi.forget()  # ... who comes back as a stranger and asks again at once
    await rumi.consent()
    await rumi.send(f"/join {g.code}")
    await rumi.send("/support")
    await rumi.press("Talk to a peer")
    assert "no peer supporter is free right now" in rumi.text
    await post.deliver()
    assert sum("Someone would like" in text for text in post.texts(kito)) == 1  # only the first request

    await kito.forget()  # the block belongs to the reporter and goes with them
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM support_shields") == [(0,)]


async def test_a_report_by_the_requester_also_survives_the_volunteers_return(services: Services) -> None:
    s = await scene(services, accept=True)
    post, g, kito, rumi = s.post, s.group, s.kito, s.rumi
    await rumi.send("/report")
    await rumi.send("They were unkind")
    await rumi.press("Keep it anonymous")
    await kito.forget()
    await kito.consent()
    await kito.send(f"/join {g.code}")
    await offer(kito, "Kito")
    await g.fay.send("/volunteers")
    await g.fay.press("Kito")
    await g.fay.press("Approve")
    await post.deliver()
    await rumi.send("/support")
    await rumi.press("Talk to a peer")
    assert "no peer supporter is free right now" in rumi.text


async def test_the_daily_cap_survives_forget_and_start(services: Services, clock: FakeClock) -> None:
    g = await group(services)
    await volunteer(g, "vol-5519", "Kito")
    rumi = await g.member("req-7731")
    for _ in range(3):
        await ask_for_peer(rumi)
        assert "I'm asking a peer supporter now" in rumi.text
        await rumi.send("/end")
    await rumi.forget()
    await rumi.consent()
    await rumi.send(f"/join {g.code}")
    await rumi.send("/support")
    await rumi.press("Talk to a peer")
    assert "a few times today already" in rumi.text
    held = rows(services.settings.database_path, "SELECT * FROM support_quota")
    assert len(held) == 3 and all(len(row) == 2 for row in held)  # a keyed tag and a time: no person
    clock.advance(days=1, minutes=1)
    await ask_for_peer(rumi)
    assert "I'm asking a peer supporter now" in rumi.text


async def test_a_facilitators_planted_volunteer_is_never_asked_by_another_facilitators_member(
        services: Services) -> None:
    post = Post(services)
    mine = await group(services)
    theirs = await group(services, "fay-0002", "Autumn group")
    plant = await mine.member("fay-0001-second-phone")  # the facilitator's own second account
    await offer(plant, "Helper", reach="Only through", detail=None)
    await mine.fay.send("/volunteers")
    await mine.fay.press("Helper")
    await mine.fay.press("Approve")
    assert "Helper is now a peer supporter" in mine.fay.text

    member = await theirs.member("req-9901")
    await member.send("/support")
    await member.press("Talk to a peer")
    assert "no peer supporter is free right now" in member.text
    await post.deliver()
    assert not any("Someone would like" in text for text in post.texts(plant))

    own = await mine.member("req-9902")  # the facilitator's own members may still be served
    await ask_for_peer(own)
    assert "I'm asking a peer supporter now" in own.text


async def test_approving_a_facilitator_or_a_non_member_is_refused_clearly(services: Services) -> None:
    mine = await group(services)
    theirs = await group(services, "fay-0002", "Autumn group")
    await theirs.fay.send(f"/join {mine.code}")
    await theirs.fay.send("/offer")
    assert "Facilitators can't also be peer supporters" in theirs.fay.text
    fay2_id = await theirs.fay.contact_id()
    await mine.fay.press_key(f"offer:ok:{fay2_id}")
    assert "a facilitator" in mine.fay.text and "can't be approved" in mine.fay.text

    stranger = await theirs.member("vol-4040")
    await offer(stranger, "Stranger")
    await mine.fay.press_key(f"offer:ok:{await stranger.contact_id()}")
    assert "isn't in any of your open groups" in mine.fay.text
    assert rows(services.settings.database_path, "SELECT status FROM volunteers") == [("pending",)]


async def test_a_volunteer_who_becomes_a_facilitator_is_asked_no_more(services: Services) -> None:
    g = await group(services)
    kito = await volunteer(g, "vol-5519", "Kito")
    code, _ = await services.store.facilitators.invite(services.clock.now())
    await kito.send(f"/facilitator {code}")
    rumi = await g.member("req-7731")
    await rumi.send("/support")
    await rumi.press("Talk to a peer")
    assert "no peer supporter is free right now" in rumi.text
