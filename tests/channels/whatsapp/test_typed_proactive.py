"""On WhatsApp, where most people type: "1" typed after a reminder with buttons opens the first button. A reminder
held behind the template (outside the 24-hour window) counts only once the person has opened it."""

from __future__ import annotations

from bot.core.domain import ReminderSettings
from bot.core.messages import Address
from bot.core.proactive.render import Renderers
from bot.core.timing import local_now
from bot.scheduling.dispatcher import Dispatcher
from tests.fakes.whatsapp import Phone, Rig, template_button


async def reminded(rig: Rig, phone: Phone) -> None:
    """Today's reminder goes out through the real dispatcher and WhatsApp's sender."""
    store, now = rig.services.store, rig.clock.now()
    contact = await store.contacts.find(Address("whatsapp", phone.recipient))
    assert contact is not None
    await store.reminders.save(contact.id, ReminderSettings(enabled=True, minute=20 * 60), now)
    day = local_now(now, contact.timezone).date().isoformat()
    await store.deliveries.enqueue(contact.id, "reminder", f"reminder:{contact.id}:{day}", now, {"day": day}, now)
    sender = rig.channel.sender
    assert sender is not None
    await Dispatcher(store, Renderers(store, rig.services.library), {"whatsapp": sender}, rig.clock).drain()


def asked_mood(rig: Rig, phone: Phone) -> bool:
    """The check-in's question with its five moods is what came back."""
    return rig.services.library.checkin("en").prompt in phone.text and len(phone.options()) == 5


async def test_typing_1_after_a_reminder_opens_its_first_button(rig: Rig) -> None:
    phone = rig.phone()
    await phone.consent()
    await reminded(rig, phone)
    assert phone.received()[-1]["type"] == "interactive"
    await phone.say("1")
    assert asked_mood(rig, phone), phone.text  # "Check in"


async def test_a_held_reminder_is_answered_by_typing_only_once_it_is_opened(rig: Rig) -> None:
    phone = rig.phone()
    await phone.consent()
    rig.clock.advance(hours=25)  # the 24-hour window has closed: the template goes, the reminder waits
    await reminded(rig, phone)
    template = phone.received()[-1]
    assert template["type"] == "template"
    await phone.say("1")
    assert not asked_mood(rig, phone)  # nothing unseen is pressed
    payload = template["template"]["components"][0]["parameters"][0]["payload"]
    await phone.send(template_button(payload))
    assert phone.options()[0][1]["title"] == "✍️ Check in"  # the reminder, opened
    await phone.say("1")
    assert asked_mood(rig, phone)
