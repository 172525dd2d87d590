"""The 24-hour window and error mapping of the WhatsApp Sender, against the fake Graph API."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.channels.whatsapp.sender import WhatsAppSender
from bot.core import callbacks
from bot.core.messages import Address, Choice, Image, Reply
from bot.core.outbound import Outgoing, RetryLater, Unreachable
from bot.storage.contacts import Contact
from tests.fakes.whatsapp import Phone, Rig, template_button

REMINDER = Reply("A moment for yourself? A check-in takes one tap.", (Choice("menu:checkin", "Check in"),),
                 opens="checkin")


async def consented(rig: Rig) -> tuple[Phone, Contact]:
    phone = rig.phone()
    await phone.consent()
    contact = await rig.services.store.contacts.find(Address("whatsapp", phone.recipient))
    assert contact is not None
    return phone, contact


def reminder(contact: Contact, kind: str = "reminder", replies: tuple[Reply, ...] = (REMINDER,)) -> Outgoing:
    return Outgoing(contact.address, contact.language, replies, kind, last_seen_at=contact.last_seen_at)


def sender_of(rig: Rig) -> WhatsAppSender:
    sender = rig.channel.sender
    assert isinstance(sender, WhatsAppSender)
    return sender


async def test_inside_24_hours_a_normal_message_goes(rig: Rig) -> None:
    phone, contact = await consented(rig)
    rig.clock.advance(hours=23)
    before = len(phone.received())
    message_id = await sender_of(rig).send(reminder(contact))
    [message] = phone.received()[before:]
    assert message["type"] == "interactive"
    assert message["interactive"]["body"]["text"] == REMINDER.text
    assert message_id == f"wamid.fake{len(rig.graph.sent)}"


async def test_outside_24_hours_the_template_goes_and_its_button_brings_the_message(rig: Rig) -> None:
    phone, contact = await consented(rig)
    rig.clock.advance(hours=25)
    before = len(phone.received())
    message_id = await sender_of(rig).send(reminder(contact))
    [message] = phone.received()[before:]
    assert message_id is not None
    assert message["type"] == "template"
    template = message["template"]
    assert template["name"] == "companion_nudge" and template["language"] == {"code": "en"}
    [button] = template["components"]
    payload = button["parameters"][0]["payload"]
    assert button["sub_type"] == "quick_reply"
    assert callbacks.verify(rig.services.store.vault.callback_key, contact.address, payload) == "menu:checkin"
    assert REMINDER.text not in str(message)

    await phone.send(template_button(payload))
    assert REMINDER.text in phone.text
    seen = await rig.services.store.contacts.find(contact.address)
    assert seen is not None and seen.last_seen_at == rig.clock.now()

    rig.clock.advance(hours=1)
    await sender_of(rig).send(reminder(seen))
    assert phone.received()[-1]["type"] == "interactive"


async def test_the_template_button_still_works_when_the_held_message_is_gone(rig: Rig) -> None:
    phone, contact = await consented(rig)
    rig.clock.advance(days=3)
    await sender_of(rig).send(reminder(contact))
    payload = phone.received()[-1]["template"]["components"][0]["parameters"][0]["payload"]
    rig.clock.advance(days=8)  # the held message has expired
    await phone.send(template_button(payload))
    assert len(phone.options()) == 5  # the check-in's five moods


async def test_never_seen_means_template(rig: Rig) -> None:
    _, contact = await consented(rig)
    outgoing = Outgoing(contact.address, "en", (REMINDER,), "broadcast", last_seen_at=None)
    await sender_of(rig).send(outgoing)
    assert rig.graph.sent[-1]["type"] == "template"


async def test_template_locale_comes_from_settings_and_falls_back_when_not_approved(rig: Rig) -> None:
    _, contact = await consented(rig)
    rig.clock.advance(days=2)
    sender = sender_of(rig)
    assert sender.locales("pt") == ("pt_BR", "en")
    rig.graph.fail_next(132001, message="template name does not exist in the translation")
    outgoing = Outgoing(contact.address, "pt", (REMINDER,), "reminder", last_seen_at=contact.last_seen_at)
    await sender.send(outgoing)
    assert rig.graph.sent[-1]["template"]["language"] == {"code": "en"}


async def test_a_window_refusal_falls_back_to_the_template(rig: Rig) -> None:
    _, contact = await consented(rig)
    rig.clock.advance(hours=2)
    rig.graph.fail_next(131047, message="Re-engagement message")
    await sender_of(rig).send(reminder(contact))
    assert rig.graph.sent[-1]["type"] == "template"


@pytest.mark.parametrize("code", [131026, 131051, 131050])
async def test_unreachable_people_are_not_retried(rig: Rig, code: int) -> None:
    _, contact = await consented(rig)
    rig.graph.fail_next(code)
    with pytest.raises(Unreachable, match=str(code)):
        await sender_of(rig).send(reminder(contact))


@pytest.mark.parametrize(("code", "status"), [(130429, 400), (131056, 400), (131000, 500), (2, 503)])
async def test_rate_limits_and_server_errors_are_retried_later(rig: Rig, code: int, status: int) -> None:
    _, contact = await consented(rig)
    rig.graph.fail_next(code, http_status=status)
    with pytest.raises(RetryLater) as raised:
        await sender_of(rig).send(reminder(contact))
    assert str(code) in str(raised.value)
    if code == 131056:
        assert raised.value.retry_after == 6.0


async def test_a_network_failure_is_retried_later(rig: Rig) -> None:
    _, contact = await consented(rig)
    await rig.graph.stop()
    with pytest.raises(RetryLater, match="network"):
        await sender_of(rig).send(reminder(contact))


async def test_pictures_are_uploaded_then_sent(rig: Rig) -> None:
    _, contact = await consented(rig)
    picture = Reply("", image=Image(b"\x89PNG fake", "Your week"))
    await sender_of(rig).send(reminder(contact, "notice", (picture,)))
    [upload] = rig.graph.uploads
    assert upload.mime_type == "image/png"
    message = rig.graph.sent[-1]
    assert message["type"] == "image" and message["image"] == {"id": "media1", "caption": "Your week"}


async def test_more_than_ten_choices_are_numbered_and_typing_the_number_presses_it(rig: Rig) -> None:
    phone, contact = await consented(rig)
    many = tuple(Choice(f"menu:item{n}", f"Item {n}") for n in range(1, 12))
    many = (*many[:2], Choice("menu:checkin", "Check in"), *many[3:])
    await sender_of(rig).send(reminder(contact, "notice", (Reply("Pick one", many),)))
    assert "3. Check in" in phone.received()[-1]["text"]["body"]
    await phone.say("3")
    assert len(phone.options()) == 5 and phone.last[-1]["type"] == "interactive"


async def test_the_template_button_leads_where_the_reply_says_it_opens(rig: Rig) -> None:
    _, contact = await consented(rig)
    rig.clock.advance(days=2)
    key = rig.services.store.vault.callback_key
    for opens, expected in (("reflect", "menu:reflect"), (None, "menu:menu")):
        await sender_of(rig).send(reminder(contact, "followup", (replace(REMINDER, opens=opens),)))
        payload = rig.graph.sent[-1]["template"]["components"][0]["parameters"][0]["payload"]
        assert callbacks.verify(key, contact.address, payload) == expected
