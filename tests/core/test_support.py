"""Peer support through the engine: two (or more) people, a facilitator, and the outbox delivered by a fake
platform. Addresses and contact details are distinctive strings, so any leak shows up in a plain search."""

from __future__ import annotations

import logging

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from bot.core.peers import support_tick
from tests.helpers import rows
from tests.peers import Person, Post, ask_for_peer, group, nothing_refers_to, offer, scene, volunteer

pytestmark = pytest.mark.both_engines

HANDLE = "@kito_peer_77"
PHONE = "+255766123987"


async def test_offer_approval_and_a_consented_direct_exchange(services: Services) -> None:
    post = Post(services)
    g = await group(services)
    kito = await g.member("vol-5519")
    await offer(kito, "Kito", detail=HANDLE)
    assert "A facilitator from your group will look" in kito.text
    await post.deliver()
    assert "Someone in your group offered to support peers" in post.last(g.fay)
    await g.fay.send("/volunteers")
    await g.fay.press("Kito")
    assert "Kito (Spring group) would like to be a peer supporter" in g.fay.text
    assert "I have been there too." in g.fay.text and "English" in g.fay.text
    await g.fay.press("Approve")
    assert "Kito is now a peer supporter" in g.fay.text
    await post.deliver()
    assert "A facilitator approved your offer" in post.last(kito)

    rumi = await g.member("req-7731")
    await ask_for_peer(rumi, "Rumi", reach="WhatsApp", detail="+255 766 123 987")
    assert "I'm asking a peer supporter now" in rumi.text
    await post.deliver()
    request = post.last(kito)
    assert request.startswith("Someone would like to talk 🤝")
    assert "Name: Rumi" in request and "A rough week" in request
    everything = post.every_text(g.fay, kito, rumi) + await post.payloads()
    for secret in (HANDLE, PHONE, "766 123", "req-7731", "vol-5519"):
        assert secret not in everything, f"{secret} leaked before both said yes"

    await post.press(kito, "Yes, I can talk")
    assert "Rumi is waiting to hear from you" in kito.text
    assert f"WhatsApp: {PHONE} (https://wa.me/255766123987)" in kito.text
    await post.deliver()
    matched = post.last(rumi)
    assert matched.startswith("Someone said yes 🤝")
    assert f"Telegram: {HANDLE} (https://t.me/kito_peer_77)" in matched and "I have been there too." in matched
    assert HANDLE not in post.seen_by(g.fay) and PHONE not in post.seen_by(g.fay)


async def test_facilitators_never_see_a_contact_detail(services: Services) -> None:
    post = Post(services)
    g = await group(services)
    kito = await g.member("vol-5519")
    await offer(kito, "Kito", reach="WhatsApp", detail=PHONE)
    await g.fay.send("/volunteers")
    await g.fay.press("Kito")
    await g.fay.press("Approve")
    await post.deliver()
    assert PHONE not in post.seen_by(g.fay)
    assert "Approved supporters: 1" in g.fay.text


async def test_a_relay_passes_words_both_ways_with_no_identity(services: Services) -> None:
    post = Post(services)
    g = await group(services)
    kito = await volunteer(g, "vol-5519", "Kito", detail=HANDLE)
    rumi = await g.member("req-7731")
    await ask_for_peer(rumi, "Rumi")  # only through the bot: the volunteer's handle must never travel
    await post.deliver()
    await post.press(kito, "Yes, I can talk")
    assert "talking with Rumi through the bot" in kito.text
    await post.deliver()
    assert "You can talk right here" in post.last(rumi)

    assert await rumi.send("hello, is anyone there?") == []
    await post.deliver()
    assert post.last(kito) == "New message 💬\nhello, is anyone there?"
    await kito.send("I'm here. Take your time.")
    await post.deliver()
    assert post.last(rumi) == "New message 💬\nI'm here. Take your time."

    await rumi.send("/checkin")  # commands still work during a relay
    assert len(rumi.choices) == 5
    await rumi.press("Okay")
    await rumi.send("still there?")
    await post.deliver()
    assert post.last(kito) == "New message 💬\nstill there?"

    relayed = [reply.text for item in post.sender.sent if item.kind == "support"
               for reply in item.replies if reply.text.startswith("New message")]
    assert len(relayed) == 3
    for text in relayed:
        for identifier in ("req-7731", "vol-5519", HANDLE, "Rumi", "Kito", "console"):
            assert identifier not in text
    assert HANDLE not in post.every_text(g.fay, kito, rumi)

    await kito.send("/end")
    assert "The conversation has ended" in kito.text
    await post.deliver()
    assert post.last(rumi).startswith("The conversation has ended 🌿")
    assert "still there" not in await post.payloads()  # relayed words are gone from the outbox
    await rumi.send("are you there?")
    assert "didn't catch that" in rumi.text  # no relay any more


async def test_a_no_moves_on_to_the_next_volunteer_and_then_says_honestly_no_one_is_free(services: Services) -> None:
    s = await scene(services, lena=True)
    post, first, second, rumi = s.post, s.kito, s.lena, s.rumi
    assert second is not None and "Someone would like" in post.last(first)
    await post.press(first, "Not right now")
    assert "Saying no is fine" in first.text
    await post.deliver()
    assert post.last(rumi).startswith("Still looking for you 🤝")
    assert "Someone would like to talk" in post.last(second)
    await post.press(second, "Not right now")
    await post.deliver()
    assert post.last(rumi).startswith("An update on your request 🤝")
    assert "no peer supporter is free right now" in post.last(rumi)
    assert "Local services have not been added yet" in post.last(rumi)


async def test_no_answer_in_time_asks_the_next_volunteer(services: Services, clock: FakeClock) -> None:
    s = await scene(services, lena=True)
    post, first, second, rumi = s.post, s.kito, s.lena, s.rumi
    assert second is not None and not any("Someone would like" in text for text in post.texts(second))
    clock.advance(minutes=29)
    assert await support_tick(services.store, clock.now()) == 0
    clock.advance(minutes=2)
    assert await support_tick(services.store, clock.now()) == 1
    await post.deliver()
    assert "I've asked someone else" in post.last(first)
    assert post.last(rumi).startswith("Still looking for you")
    assert "Someone would like to talk" in post.last(second)
    await post.press(second, "Yes")
    await post.deliver()
    assert post.last(rumi).startswith("Someone said yes")
    first.choices = next(reply.choices for item in post.sender.sent if item.address == first.address
                         for reply in item.replies if reply.choices)
    await first.press("Yes")
    assert "already moved on" in first.text


async def test_nobody_free_is_said_at_once_with_local_services(services: Services) -> None:
    g = await group(services)
    rumi = await g.member("req-7731")
    await rumi.send("/support")
    await rumi.press("Talk to a peer")
    assert "no peer supporter is free right now" in rumi.text
    assert "Local services have not been added yet" in rumi.text
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM support_requests") == [(0,)]


async def test_support_offers_services_and_urgent_help(services: Services) -> None:
    g = await group(services)
    rumi = await g.member("req-7731")
    await rumi.send("support")  # the typed word works too
    assert "You don't have to carry this alone" in rumi.text
    await rumi.press("Urgent help")
    assert "You are not alone" in rumi.text and "If someone may be overdosing" in rumi.text
    await rumi.send("/support")
    await rumi.press("Local services")
    assert "Here is who can help near you" in rumi.text


async def test_requests_are_limited_per_day(services: Services, clock: FakeClock) -> None:
    g = await group(services)
    await volunteer(g, "vol-5519", "Kito")
    rumi = await g.member("req-7731")
    for _ in range(3):
        await ask_for_peer(rumi)
        assert "I'm asking a peer supporter now" in rumi.text
        await rumi.send("/end")
        assert "stopped looking" in rumi.text
    await rumi.send("/support")
    await rumi.press("Talk to a peer")
    assert "a few times today already" in rumi.text
    clock.advance(days=1)
    await ask_for_peer(rumi)
    assert "I'm asking a peer supporter now" in rumi.text


async def test_a_report_reaches_the_facilitator_without_names_and_blocks_the_pair(services: Services) -> None:
    s = await scene(services, accept=True)
    post, g, kito, rumi = s.post, s.group, s.kito, s.rumi
    await rumi.send("/report")
    await rumi.send("They were unkind to me")
    await rumi.press("Keep it anonymous")
    assert "won't be matched with this person again" in rumi.text and "I ended the conversation" in rumi.text
    await post.deliver()
    assert post.last(g.fay).startswith("A note for you 📋")
    assert post.last(kito).startswith("The conversation has ended")
    await g.fay.send("/volunteers")
    assert '"They were unkind to me" (names not shared)' in g.fay.text and "Spring group" in g.fay.text
    assert "Rumi" not in g.fay.text and "Kito" not in g.fay.text.replace("Approved", "")
    await rumi.send("/support")
    await rumi.press("Talk to a peer")
    assert "no peer supporter is free right now" in rumi.text  # the only volunteer is blocked for them


async def test_a_report_may_share_the_names_shown(services: Services) -> None:
    s = await scene(services, accept=True)
    g, kito = s.group, s.kito
    await kito.send("/report")
    await kito.send("They sent things that scared me")
    await kito.press("Yes, share names")
    await g.fay.send("/volunteers")
    assert "(Rumi, Kito)" in g.fay.text
    assert "req-7731" not in g.fay.text


async def test_forget_by_the_requester_mid_request_tells_the_volunteer_only_that_it_ended(services: Services) -> None:
    s = await scene(services)
    post, kito, rumi = s.post, s.kito, s.rumi
    rumi_id = await rumi.forget()
    assert "requests for a peer: 1" in rumi.text
    await post.deliver()
    assert post.last(kito).startswith("An update for you 🤝")
    assert "isn't needed any more" in post.last(kito)
    await post.press(kito, "Yes")  # the old request's button
    assert "no longer works" in kito.text or "already moved on" in kito.text
    assert nothing_refers_to(services, rumi_id)
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM support_asks") == [(0,)]


async def test_forget_by_the_volunteer_mid_request_asks_the_next_one(services: Services) -> None:
    s = await scene(services)
    post, kito, rumi = s.post, s.kito, s.rumi
    kito_id = await kito.forget()
    assert "your offer to support peers: 1" in kito.text
    await post.deliver()
    assert "no peer supporter is free right now" in post.last(rumi)
    assert nothing_refers_to(services, kito_id)


async def test_forget_mid_relay_ends_it_and_removes_the_words(services: Services) -> None:
    s = await scene(services, accept=True)
    post, kito, rumi = s.post, s.kito, s.rumi
    await kito.send("a secret only for you")
    await kito.forget()
    await post.deliver()
    assert post.last(rumi).startswith("The conversation has ended 🌿")
    assert "a secret only for you" not in "\n".join(post.texts(rumi))
    assert "a secret" not in await post.payloads()
    await rumi.send("hello?")
    assert "didn't catch that" in rumi.text


async def test_only_a_facilitator_of_their_cohort_can_decide(services: Services) -> None:
    g = await group(services)
    other = await group(services, "fay-0002", "Autumn group")
    kito = await g.member("vol-5519")
    await offer(kito, "Kito")
    kito_id = await kito.contact_id()
    member = await g.member("mem-3030")
    await member.send("/volunteers")
    assert "for workshop facilitators only" in member.text
    await member.press_key(f"offer:ok:{kito_id}")
    assert "no longer works" in member.text
    await other.fay.send("/volunteers")
    assert "No offers are waiting for you" in other.fay.text
    await other.fay.press_key(f"offer:ok:{kito_id}")
    assert "isn't in any of your open groups" in other.fay.text
    assert rows(services.settings.database_path, "SELECT status FROM volunteers") == [("pending",)]


async def test_offer_needs_a_group_and_can_pause_resume_and_stop(services: Services) -> None:
    post = Post(services)
    loner = Person(services, "solo-1")
    await loner.consent()
    await loner.send("/offer")
    assert "you need to be in a group first" in loner.text
    g = await group(services)
    kito = await volunteer(g, "vol-5519", "Kito")
    lena = await volunteer(g, "vol-6620", "Lena")
    await kito.send("/offer")
    assert "Your offer as Kito: approved" in kito.text
    await kito.press("Pause")
    assert "Paused" in kito.text
    rumi = await g.member("req-7731")
    await ask_for_peer(rumi)
    await post.deliver()
    assert "Someone would like" in post.last(lena)
    assert not any("Someone would like" in text for text in post.texts(kito))
    await kito.send("/offer resume")
    assert "Welcome back" in kito.text
    await lena.send("/offer stop")
    assert "no longer a peer supporter" in lena.text
    await post.deliver()
    assert post.last(rumi).startswith("Still looking for you")
    assert "Someone would like" in post.last(kito)
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM volunteers") == [(1,)]


async def test_a_volunteer_in_quiet_hours_or_off_their_times_is_not_asked(services: Services, clock: FakeClock) -> None:
    g = await group(services)
    await volunteer(g, "vol-5519", "Kito", when="Evenings")  # Nairobi: 12:00 now
    rumi = await g.member("req-7731")
    await rumi.send("/support")
    await rumi.press("Talk to a peer")
    assert "no peer supporter is free right now" in rumi.text
    clock.advance(hours=7)  # 19:00 in Nairobi
    await ask_for_peer(rumi)
    assert "I'm asking a peer supporter now" in rumi.text


async def test_facilitators_never_see_a_request_count_that_singles_someone_out(services: Services,
                                                                                clock: FakeClock) -> None:
    """One person's requests are never counted where a facilitator can see them: k >= 5, closed weeks, noise."""
    s = await scene(services, accept=True)
    g, kito, rumi = s.group, s.kito, s.rumi
    await rumi.send("/end")
    await kito.send("/offer pause")
    await rumi.send("/support")
    await rumi.press("Talk to a peer")
    await kito.send("/offer resume")
    await ask_for_peer(rumi)
    clock.advance(minutes=31)
    await support_tick(services.store, clock.now())
    await g.fay.send("/volunteers")
    assert "Asked for a peer: –\n• Answered by a peer: –\n• No peer free: –" in g.fay.text
    clock.advance(days=8)  # the week is over: still one person, still hidden
    await g.fay.send("/volunteers")
    assert "last 4 complete weeks" in g.fay.text and "Asked for a peer: –" in g.fay.text


async def test_stale_and_foreign_answers_change_nothing(services: Services) -> None:
    post = Post(services)
    g = await group(services)
    await volunteer(g, "vol-5519", "Kito")
    rumi = await g.member("req-7731")
    await ask_for_peer(rumi)
    await post.deliver()
    intruder = await g.member("mem-3030")
    await intruder.press_key("support:yes:1")
    assert "no longer works" in intruder.text
    await intruder.press_key("support:share:yes")
    assert "no longer works" in intruder.text
    assert rows(services.settings.database_path, "SELECT status FROM support_asks") == [("asked",)]


async def test_relay_during_a_timeout_window_and_idle_relays_end(services: Services, clock: FakeClock) -> None:
    s = await scene(services, accept=True)
    post, kito, rumi = s.post, s.kito, s.rumi
    clock.advance(days=3, minutes=1)
    await support_tick(services.store, clock.now())
    await post.deliver()
    assert post.last(rumi).startswith("The conversation has ended")
    assert post.last(kito).startswith("The conversation has ended")
    assert rows(services.settings.database_path, "SELECT status FROM support_requests") == [("ended",)]


async def test_the_relay_waits_for_no_quiet_hours(services: Services, clock: FakeClock) -> None:
    s = await scene(services, accept=True)
    post, kito, rumi = s.post, s.kito, s.rumi
    clock.advance(hours=11)  # 23:00 in Nairobi: inside the default quiet hours
    await rumi.send("can't sleep")
    await post.deliver()
    assert post.last(kito) == "New message 💬\ncan't sleep"


async def test_last_words_before_end_still_arrive_then_leave_no_trace(services: Services, clock: FakeClock) -> None:
    s = await scene(services, accept=True)
    post, kito, rumi = s.post, s.kito, s.rumi
    await kito.send("one more thing")  # on its way to the person who is about to leave
    await rumi.send("thanks, bye")
    await rumi.send("/end")
    await post.deliver()
    assert post.texts(kito)[-2:] == ["New message 💬\nthanks, bye", post.last(kito)]
    assert post.last(kito).startswith("The conversation has ended 🌿")
    assert not any("one more thing" in text for text in post.texts(rumi))
    assert "thanks, bye" in await post.payloads()
    await support_tick(services.store, clock.now())
    assert "thanks, bye" not in await post.payloads() and "one more thing" not in await post.payloads()


async def test_each_side_exports_only_its_own_secrets(services: Services) -> None:
    s = await scene(services, volunteer_args={"detail": HANDLE},
                    request_args={"reason": "A rough week", "reach": "WhatsApp", "detail": PHONE})
    kito, rumi = s.kito, s.rumi
    await kito.send("/mydata")
    kito_export = next(reply.document for reply in kito.replies if reply.document).data.decode()
    assert HANDLE in kito_export and "support_asks" in kito_export
    for secret in ("Rumi", "A rough week", PHONE):
        assert secret not in kito_export
    await rumi.send("/mydata")
    rumi_export = next(reply.document for reply in rumi.replies if reply.document).data.decode()
    assert PHONE in rumi_export and "A rough week" in rumi_export
    assert HANDLE not in rumi_export and "Kito" not in rumi_export


async def test_logs_hold_no_relayed_words_names_or_details(services: Services,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    s = await scene(services, accept=True, volunteer_args={"detail": HANDLE},
                    request_args={"reason": "an unusual reason"})
    post, kito, rumi = s.post, s.kito, s.rumi
    await rumi.send("an unusual sentence to relay")
    await post.deliver()
    assert post.last(kito).endswith("an unusual sentence to relay")
    await rumi.send("/end")
    await rumi.send("/report")
    await rumi.send("an unusual report")
    await rumi.press("Yes, share")
    await post.deliver()
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for secret in (HANDLE, PHONE, "Rumi", "Kito", "unusual", "req-7731", "vol-5519"):
        assert secret not in logged


async def test_a_facilitator_cannot_approve_their_own_offer(services: Services) -> None:
    g = await group(services)
    await g.fay.send(f"/join {g.code}")
    await g.fay.send("/offer")
    assert "Facilitators can't also be peer supporters" in g.fay.text
    fay_id = await g.fay.contact_id()
    await g.fay.press_key(f"offer:ok:{fay_id}")
    assert "is a facilitator, so their offer can't be approved" in g.fay.text


async def test_the_facilitator_sees_the_newest_reports_when_several_came_in_the_same_second(
        services: Services) -> None:
    s = await scene(services, accept=True)
    [ids] = rows(services.settings.database_path,
                 "SELECT r.requester_id, r.id, c.id FROM support_requests r, cohorts c")
    reporter_id, request_id, cohort_id = (int(str(value)) for value in ids)
    for n in range(1, 7):  # one more than the overview shows, all stamped with the same second
        await services.store.support.report(reporter_id, request_id, cohort_id, f"reason {n}", False,
                                            services.clock.now())
    await s.group.fay.send("/volunteers")
    shown = [line.split('"')[1] for line in s.group.fay.text.splitlines() if '"reason' in line]
    assert shown == ["reason 6", "reason 5", "reason 4", "reason 3", "reason 2"]
