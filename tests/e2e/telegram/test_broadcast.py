"""A broadcast through the real TelegramSender and dispatcher against a fake Bot API with flood control."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date

import pytest

from bot.app import Services
from bot.channels.telegram import TelegramChannel
from bot.channels.telegram.channel import build_application
from bot.channels.telegram.limiter import SharedLimiter
from bot.channels.telegram.sender import TelegramSender
from bot.core.messages import Address, Reply
from bot.core.outbound import Outgoing, RetryLater
from bot.core.proactive import broadcasts
from bot.core.proactive.render import Renderers
from bot.scheduling.dispatcher import Dispatcher
from bot.scheduling.pace import Pace
from tests.broadcasting import report
from tests.e2e.fake_telegram import FakeTelegram, Person

pytestmark = pytest.mark.both_engines

FAY = 4242
MEMBERS = 45
PERSON = 5151


async def test_the_fake_answers_429_past_its_limit(services: Services, fake: FakeTelegram) -> None:
    fake.send_limit = 30
    application = build_application(services.settings, SharedLimiter(None))  # no budget: nothing holds it back
    await application.initialize()
    sender = TelegramSender(application.bot, services.store.vault.callback_key)
    refused = 0
    try:
        for n in range(35):
            try:
                await sender.send(Outgoing(Address("telegram", str(100 + n)), "en", (Reply("hi"),), "notice"))
            except RetryLater as exc:
                refused += 1
                assert exc.retry_after == 1
    finally:
        await application.shutdown()
    assert refused >= 1 and fake.throttled == refused
    assert len(fake.messages) == 35 - refused


async def queue_broadcast(services: Services, members: int) -> None:
    store, now = services.store, services.clock.now()
    fay = await store.contacts.create(Address("telegram", str(FAY)), "en", "UTC", now)
    cohort = await store.cohorts.create(fay.id, "Group", date(2026, 1, 15), "en", "UTC", now)
    for n in range(members):
        person = await store.contacts.create(Address("telegram", str(7000 + n)), "en", "UTC", now)
        await store.cohorts.join(cohort.id, person.id, now)
    draft = await store.broadcasts.draft(fay.id, "Meeting on Friday", [cohort.id], now)
    assert await broadcasts.launch(store, draft, now, now) is not None


async def test_a_reply_goes_before_broadcast_copies_that_were_due_earlier(services: Services,
                                                                        fake: FakeTelegram) -> None:
    """Replies and the outbox share one slow budget; someone who writes mid-broadcast is answered next."""
    store = services.store
    channel = TelegramChannel(services, pace=Pace(4))
    await channel.start()
    try:
        await store.contacts.create(Address("telegram", str(PERSON)), "en", "UTC", services.clock.now())
        await queue_broadcast(services, 8)
        dispatcher = Dispatcher(store, Renderers(store, services.library), {"telegram": channel.sender},
                                services.clock)
        draining = asyncio.create_task(dispatcher.drain())
        await fake.wait_for(lambda: fake.messages, timeout=10)  # the broadcast is going out
        await Person(fake, channel.application.update_queue, chat_id=PERSON).send("/checkin")
        await draining
    finally:
        await channel.stop()
    order = [m.chat_id for m in fake.messages]
    assert sorted(order) == [PERSON, *range(7000, 7008)]
    assert order.index(PERSON) <= 2, order  # only copies already let through may go before the answer


async def test_a_paced_broadcast_gets_no_429_and_reaches_everyone_once(services: Services, fake: FakeTelegram,
                                                                      telegram: TelegramChannel) -> None:
    fake.send_limit = 30
    store = services.store
    await queue_broadcast(services, MEMBERS)
    dispatcher = Dispatcher(store, Renderers(store, services.library), {"telegram": telegram.sender}, services.clock)
    await dispatcher.drain()  # paced in real time: about 1.5 s
    assert await report(services) == 1
    await dispatcher.drain()
    received = Counter(m.chat_id for m in fake.messages)
    assert fake.throttled == 0
    assert {chat: count for chat, count in received.items() if chat != FAY} == {7000 + n: 1 for n in range(MEMBERS)}
    assert fake.sent_to(7000)[0].text == "A message from your group 📬\n\nMeeting on Friday"
    assert "Received: 45" in fake.sent_to(FAY)[-1].text
