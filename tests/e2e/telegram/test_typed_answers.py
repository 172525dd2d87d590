"""On Telegram, typed answers through the real PTB Application and the fake Bot API: "1" after a reminder's
buttons opens the first one; "Stop" typed in the middle of a step stops that step only."""

from __future__ import annotations

from bot.app import Services
from bot.channels.telegram import TelegramChannel
from bot.core.domain import ReminderSettings
from bot.core.messages import Address
from bot.core.proactive.render import Renderers
from bot.core.timing import local_now
from bot.scheduling.dispatcher import Dispatcher
from tests.e2e.fake_telegram import FakeTelegram, Person


async def test_typing_1_after_a_reminder_opens_its_first_button(services: Services, fake: FakeTelegram,
                                                                 telegram: TelegramChannel, person: Person) -> None:
    await person.consent()
    store, now = services.store, services.clock.now()
    contact = await store.contacts.find(Address("telegram", str(person.chat_id)))
    assert contact is not None
    await store.reminders.save(contact.id, ReminderSettings(enabled=True, minute=20 * 60), now)
    day = local_now(now, contact.timezone).date().isoformat()
    await store.deliveries.enqueue(contact.id, "reminder", f"reminder:{contact.id}:{day}", now, {"day": day}, now)
    await Dispatcher(store, Renderers(store, services.library), {"telegram": telegram.sender},
                     services.clock).drain()
    reminder = fake.sent_to(person.chat_id)[-1]
    assert reminder.buttons[0][0] == "✍️ Check in"
    [asked] = await person.send("1")
    assert asked.text == services.library.checkin("en").prompt and len(asked.buttons) == 5


async def test_stop_typed_while_choosing_a_reminder_time_keeps_messages_on(services: Services,
                                                                          person: Person) -> None:
    await person.consent()
    await person.send("/remind")
    await person.press("Set a time")
    replies = await person.send("Stop")
    assert "/stop" in replies[-1].text
    contact = await services.store.contacts.find(Address("telegram", str(person.chat_id)))
    assert contact is not None and contact.status == "active"
    found = await services.store.find_person(contact.address)
    assert found is not None and found[1].state is None
