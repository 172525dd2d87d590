"""A broadcast through the real TelegramSender and dispatcher against a fake Bot API with flood control."""

from __future__ import annotations

from collections import Counter
from datetime import date

from bot.app import Services
from bot.channels.telegram import TelegramChannel
from bot.core.messages import Address, Reply
from bot.core.outbound import Outgoing, RetryLater
from bot.core.proactive import broadcasts
from bot.core.proactive.render import Renderers
from bot.scheduling.dispatcher import Dispatcher
from tests.broadcasting import report
from tests.e2e.fake_telegram import FakeTelegram

FAY = 4242
MEMBERS = 45


async def test_the_fake_answers_429_past_its_limit(fake: FakeTelegram, telegram: TelegramChannel) -> None:
    fake.send_limit = 30
    refused = 0
    for n in range(35):
        try:
            await telegram.sender.send(Outgoing(Address("telegram", str(100 + n)), "en", (Reply("hi"),), "notice"))
        except RetryLater as exc:
            refused += 1
            assert exc.retry_after == 1
    assert refused >= 1 and fake.throttled == refused
    assert len(fake.messages) == 35 - refused


async def test_a_paced_broadcast_gets_no_429_and_reaches_everyone_once(services: Services, fake: FakeTelegram,
                                                                      telegram: TelegramChannel) -> None:
    fake.send_limit = 30
    store, now = services.store, services.clock.now()
    fay = await store.contacts.create(Address("telegram", str(FAY)), "en", "UTC", now)
    cohort = await store.cohorts.create(fay.id, "Group", date(2026, 1, 15), "en", "UTC", now)
    for n in range(MEMBERS):
        person = await store.contacts.create(Address("telegram", str(7000 + n)), "en", "UTC", now)
        await store.cohorts.join(cohort.id, person.id, now)
    draft = await store.broadcasts.draft(fay.id, "Meeting on Friday", [cohort.id], now)
    assert await broadcasts.launch(store, draft, now, now) is not None
    dispatcher = Dispatcher(store, Renderers(store, services.library), {"telegram": telegram.sender}, services.clock)
    await dispatcher.drain()  # paced in real time: about 1.5 s
    assert await report(services) == 1
    await dispatcher.drain()
    received = Counter(m.chat_id for m in fake.messages)
    assert fake.throttled == 0
    assert {chat: count for chat, count in received.items() if chat != FAY} == {7000 + n: 1 for n in range(MEMBERS)}
    assert fake.sent_to(7000)[0].text == "A message from your group 📬\n\nMeeting on Friday"
    assert "Received: 45" in fake.sent_to(FAY)[-1].text
