"""A send that Telegram delivered but never answered (a timeout) is not sent again: one copy, never two.

Only a request that provably never left (it could not connect) is retried; a reply or an outbox row whose
answer was lost stays as it is.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from telegram.error import NetworkError
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.app import Services
from bot.channels.telegram.limiter import SharedLimiter
from bot.channels.telegram.render import deliver
from bot.channels.telegram.sender import TelegramSender, signer
from bot.core.clock import FakeClock
from bot.core.messages import Address, Reply
from bot.core.outbound import Outgoing, RetryLater
from bot.core.proactive import broadcasts
from bot.core.proactive.render import Renderers
from bot.scheduling.dispatcher import Dispatcher
from bot.scheduling.report import why
from bot.storage.deliveries import DeliveryStatus
from tests.e2e.fake_telegram import TOKEN, FakeTelegram, Person

pytestmark = pytest.mark.both_engines

CHAT = 6161
READ_TIMEOUT = 0.3  # the fake keeps the answer far longer: the client gives up after delivery


def impatient_bot(base_url: str) -> ExtBot[None]:
    request = HTTPXRequest(read_timeout=READ_TIMEOUT, connect_timeout=READ_TIMEOUT)
    limiter: Any = SharedLimiter(None)  # PTB types the limiter's argument; ours is the shared budget's
    return ExtBot(TOKEN, base_url=base_url, request=request, rate_limiter=limiter)


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[ExtBot[None]]:
    client = impatient_bot(fake.base_url)
    await client.initialize()
    yield client
    await client.shutdown()


async def test_a_reply_delivered_then_timed_out_is_not_sent_again(services: Services, fake: FakeTelegram,
                                                                  bot: ExtBot[None]) -> None:
    fake.fail("sendMessage", "deliver_then_stall")
    sign = signer(services.store.vault.callback_key, Address("telegram", str(CHAT)))
    with pytest.raises(NetworkError):
        await deliver(bot, CHAT, [Reply("Good to hear.")], sign, attempts=3)
    assert [m.text for m in fake.sent_to(CHAT)] == ["Good to hear."]


async def test_an_outbox_row_delivered_then_timed_out_is_not_sent_again(services: Services, fake: FakeTelegram,
                                                                       bot: ExtBot[None]) -> None:
    store, clock = services.store, services.clock
    assert isinstance(clock, FakeClock)
    now = clock.now()
    fay = await store.contacts.create(Address("telegram", "4242"), "en", "UTC", now)
    member = await store.contacts.create(Address("telegram", str(CHAT)), "en", "UTC", now)
    cohort = await store.cohorts.create(fay.id, "Group", date(2026, 1, 15), "en", "UTC", now)
    await store.cohorts.join(cohort.id, member.id, now)
    draft = await store.broadcasts.draft(fay.id, "Meeting on Friday", [cohort.id], now)
    assert await broadcasts.launch(store, draft, now, now) is not None
    sender = TelegramSender(bot, store.vault.callback_key)
    dispatcher = Dispatcher(store, Renderers(store, services.library), {"telegram": sender}, clock)
    fake.fail("sendMessage", "deliver_then_stall")
    await dispatcher.drain()
    clock.advance(hours=2)  # long past any backoff
    await dispatcher.drain()
    assert len(fake.sent_to(CHAT)) == 1
    row = await store.deliveries.get(1)
    assert row is not None and row.status == DeliveryStatus.SENT and row.reason == "unconfirmed"
    assert "not sent again" in why(1, row)


async def test_a_request_that_could_not_connect_is_retried_later(services: Services) -> None:
    nowhere = impatient_bot("http://127.0.0.1:9/bot")  # nothing listens there: the connection is refused
    sender = TelegramSender(nowhere, services.store.vault.callback_key)
    try:
        with pytest.raises(RetryLater):
            await sender.send(Outgoing(Address("telegram", str(CHAT)), "en", (Reply("hi"),), "notice"))
    finally:
        await nowhere.request.shutdown()


async def test_an_answer_edited_in_place_whose_connection_dropped_is_not_sent_as_well(fake: FakeTelegram,
                                                                                     person: Person) -> None:
    await person.consent()
    await person.send("/checkin")
    fake.fail("editMessageText", "drop")
    before = len(fake.calls)
    assert await person.press("Okay") == []
    methods = [call.method for call in fake.calls[before:]]
    assert methods.count("editMessageText") == 1 and "sendMessage" not in methods
