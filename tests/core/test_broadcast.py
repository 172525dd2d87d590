"""/broadcast from the facilitator's side: choose cohorts, write, preview, send or schedule, list and cancel."""

from __future__ import annotations

import pytest

from bot.app import Services
from bot.core.clock import FakeClock
from tests.broadcasting import copies, crowd, report, scheduled, write
from tests.helpers import rows, stored_bytes
from tests.outbox import FakeSender, dispatcher, facilitator, member, new_cohort

pytestmark = pytest.mark.both_engines

HEADER = "A message from your group 📬"


def broadcast_rows(services: Services) -> list[tuple[object, ...]]:
    return rows(services.settings.database_path, "SELECT contact_id, cohort_id, idem_key, ref, status FROM deliveries"
                                                 " WHERE kind = 'broadcast' ORDER BY contact_id")


@pytest.mark.sqlite_only  # reads the SQLite file's bytes
async def test_a_broadcast_reaches_each_member_once_and_reports_counts(services: Services) -> None:
    fay = await facilitator(services)
    spring, autumn = await new_cohort(fay), await new_cohort(fay, name="Autumn group")
    await member(services, spring, "ana")
    bob = await member(services, spring, "bob")
    await bob.send(f"/join {autumn}")  # in both chosen cohorts: one copy
    cat = await member(services, autumn, "cat")
    await cat.send("/stop")  # skipped and counted
    await write(fay, "  Network meeting on Friday at 6 🌼  ", "Spring", "Autumn")
    preview = fay.replies[1].text
    assert fay.replies[0].text.startswith("Here is exactly what each person will see (2 people in")
    assert "1 member turned messages off" in fay.replies[0].text
    assert preview == f"{HEADER}\n\nNetwork meeting on Friday at 6 🌼"
    await fay.press("Send now")
    assert "On its way to 2 people" in fay.text
    assert broadcast_rows(services) == [(2, 1, "broadcast:1:2", "broadcast:1", "pending"),
                                        (3, 1, "broadcast:1:3", "broadcast:1", "pending")]
    assert b"Network meeting" not in stored_bytes(services.settings.database_path)
    sender = FakeSender()
    await dispatcher(services, sender).drain()
    assert copies(sender) == {"ana": 1, "bob": 1}
    assert sender.texts("ana") == [preview] and "cat" not in copies(sender)
    assert await report(services) == 1
    await dispatcher(services, sender).drain()
    assert sender.texts("fay") == ["Your message has gone out 📬\nReceived: 2\n"
                                   "Skipped (messages off, left or unreachable): 1\nCould not be delivered: 0"]
    db = services.settings.database_path
    assert rows(db, "SELECT status, text, recipients, sent, skipped, failed FROM broadcasts") == [
        ("done", None, 2, 2, 1, 0)]
    assert rows(db, "SELECT action, cohort_id FROM facilitator_audit WHERE action LIKE 'broadcast%'") == [
        ("broadcast_sent", 1), ("broadcast_sent", 2)]
    assert await report(services) == 0, "reported once"
    assert "bob" not in sender.texts("ana")[0] and "Spring" not in sender.texts("ana")[0]


async def test_a_single_open_cohort_is_chosen_without_asking(services: Services) -> None:
    fay = await facilitator(services)
    await new_cohort(fay)
    await fay.send("/broadcast")
    assert "Write your message to “Spring group”" in fay.text


async def test_empty_and_too_long_texts_are_refused_kindly(services: Services) -> None:
    fay = await facilitator(services)
    await new_cohort(fay)
    await write(fay, "\x00 \n\n ")
    assert "looks empty" in fay.text
    await fay.send("x" * 3501)
    assert "That's 3501 characters; the most is 3500. Please shorten it by 1" in fay.text
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM broadcasts") == [(0,)]
    await fay.send("*Bold* <b>tags</b>\n\n\n\nFar below")
    assert "not applied" in fay.replies[0].text
    assert fay.replies[1].text == f"{HEADER}\n\n*Bold* <b>tags</b>\n\nFar below"


async def test_a_scheduled_broadcast_is_listed_and_can_be_cancelled(services: Services, clock: FakeClock) -> None:
    fay = await scheduled(services, "next friday", zone="Africa/Nairobi")
    assert "couldn't read that. Type a date and a time like 2026-01-16 18:00" in fay.text
    await fay.send("2026-01-15 11:30")  # 08:30 UTC, before now (09:00 UTC)
    assert "already passed" in fay.text
    await fay.send("2028-01-15 11:30")
    assert "more than a year" in fay.text
    await fay.send("16/01/2026 18:30")
    assert "Scheduled for 2026-01-16 18:30 (Africa/Nairobi) to 1 person" in fay.text
    db = services.settings.database_path
    assert rows(db, "SELECT status, due_at FROM broadcasts") == [("scheduled", 1768577400)]  # 15:30 UTC
    await fay.send("/broadcast")
    assert "1. 2026-01-16 18:30 (Africa/Nairobi) to “Spring group” — 1 person" in fay.text
    await fay.press("New message")
    assert "Write your message" in fay.text
    await fay.send("/broadcast")
    await fay.press("Cancel 1")
    await fay.press("No, keep")
    assert "stays as it is" in fay.text
    await fay.press_key("broadcast:cancel:1")
    await fay.press("Yes, cancel")
    assert "Cancelled" in fay.text
    assert rows(db, "SELECT status, text FROM broadcasts") == [("cancelled", None)]
    assert rows(db, "SELECT status, reason FROM deliveries WHERE kind = 'broadcast'") == [
        ("cancelled", "broadcast_cancelled")]
    clock.advance(days=2)
    sender = FakeSender()
    await dispatcher(services, sender).drain()
    assert "ana" not in copies(sender)
    assert await report(services) == 0, "a cancelled broadcast sends no report"
    assert [a for (a,) in rows(db, "SELECT action FROM facilitator_audit WHERE action LIKE 'broadcast%'")] == [
        "broadcast_scheduled", "broadcast_cancelled"]


async def test_a_scheduled_broadcast_goes_at_its_time(services: Services, clock: FakeClock) -> None:
    await scheduled(services, "17:00")
    sender = FakeSender()
    await dispatcher(services, sender).drain()
    assert await report(services) == 0
    assert sender.sent == []
    clock.advance(hours=8)
    await dispatcher(services, sender).drain()
    assert await report(services) == 1
    await dispatcher(services, sender).drain()
    assert copies(sender) == {"ana": 1}
    assert copies(sender, "notice") == {"fay": 1}


async def test_change_text_and_cancel_leave_nothing_behind(services: Services) -> None:
    fay = await facilitator(services)
    await new_cohort(fay)
    await write(fay, "First try")
    await fay.press("Change the text")
    await fay.send("Second try")
    assert fay.replies[1].text.endswith("Second try")
    db = services.settings.database_path
    assert rows(db, "SELECT id, status FROM broadcasts") == [(2, "draft")]
    await fay.press("Cancel")
    assert "Nothing was sent" in fay.text
    assert rows(db, "SELECT COUNT(*) FROM broadcasts") == [(0,)]


async def test_a_double_tap_on_send_sends_once(services: Services) -> None:
    fay = await facilitator(services)
    code = await new_cohort(fay)
    await member(services, code)
    await write(fay, "Hello")
    await fay.press("Send now")
    await fay.press_key("broadcast:now:1")
    assert "earlier moment" in fay.text
    assert len(broadcast_rows(services)) == 1


async def test_an_abandoned_draft_is_deleted_after_a_day(services: Services, clock: FakeClock) -> None:
    fay = await facilitator(services)
    await new_cohort(fay)
    await write(fay, "Maybe later")
    clock.advance(hours=25)
    await report(services)
    assert rows(services.settings.database_path, "SELECT COUNT(*) FROM broadcasts") == [(0,)]
    await fay.press("Send now")
    assert "earlier moment" in fay.text


async def test_a_facilitator_without_open_cohorts_is_pointed_to_newcohort(services: Services) -> None:
    fay = await facilitator(services)
    await fay.send("/broadcast")
    assert "no open cohort" in fay.text


async def test_a_facilitator_who_forgets_still_lets_a_scheduled_broadcast_go(services: Services,
                                                                             clock: FakeClock) -> None:
    fay = await scheduled(services, "12:00")
    await fay.send("/forget")
    await fay.press("Yes, delete")
    db = services.settings.database_path
    assert rows(db, "SELECT facilitator_id, status FROM broadcasts") == [(None, "scheduled")]
    clock.advance(hours=4)
    sender = FakeSender()
    await dispatcher(services, sender).drain()
    await report(services)
    await dispatcher(services, sender).drain()
    assert copies(sender) == {"ana": 1}
    assert rows(db, "SELECT status, sent FROM broadcasts") == [("done", 1)]


async def test_hundreds_of_members_each_get_one_copy(services: Services) -> None:
    fay = await facilitator(services)
    await new_cohort(fay)
    await crowd(services, 1, 300)
    await write(fay, "Hello everyone")
    await fay.press("Send now")
    assert "On its way to 300 people" in fay.text
    sender = FakeSender()
    await dispatcher(services, sender).drain()
    assert len(copies(sender)) == 300 and set(copies(sender).values()) == {1}


async def test_people_in_their_quiet_hours_get_it_in_the_morning(services: Services, clock: FakeClock) -> None:
    fay = await facilitator(services)
    code = await new_cohort(fay)
    await member(services, code)
    clock.advance(hours=14)  # 23:00 UTC
    await write(fay, "Late thought")
    await fay.press("Send now")
    sender = FakeSender()
    await dispatcher(services, sender).drain()
    assert await report(services) == 0, "still waiting for the morning"
    clock.advance(hours=8)
    await dispatcher(services, sender).drain()
    assert copies(sender) == {"ana": 1}
    assert await report(services) == 1


async def test_a_draft_naming_overdose_is_not_a_personal_crisis_and_is_kept(services: Services) -> None:
    fay = await facilitator(services)
    await new_cohort(fay)
    await write(fay, "International Overdose Awareness Day is on 31 August: join us. Not breathing? Call for help.")
    texts = [reply.text for reply in fay.replies]
    assert not any("If someone may be overdosing" in text for text in texts), "a draft is for others: no card"
    assert not any("/help is there" in text for text in texts)
    assert f"{HEADER}\n\nInternational Overdose Awareness Day is on 31 August: join us. Not breathing? Call for help." \
        in texts
    assert any("Send now" in c.label for c in fay.choices)
