"""Proactive messages through TelegramSender, and Telegram's failures in the outbox's terms."""

from __future__ import annotations

import pytest

from bot.app import Services
from bot.channels.telegram import TelegramChannel
from bot.core import callbacks
from bot.core.messages import Address, Choice, Document, Image, Reply
from bot.core.outbound import MaybeSent, Outgoing, RetryLater, Unreachable
from tests.e2e.fake_telegram import FakeTelegram, Person

pytestmark = pytest.mark.both_engines

CHAT = 5150
ADDRESS = Address("telegram", str(CHAT))
NUDGE = Reply("Your moment for today is here 🌱", (Choice("menu:checkin", "Check in"),))


def outgoing(*replies: Reply, silent: bool = False, address: Address = ADDRESS) -> Outgoing:
    return Outgoing(address, "en", replies or (NUDGE,), kind="reminder", silent=silent)


async def test_a_silent_message_goes_without_notification(services: Services, fake: FakeTelegram,
                                                          telegram: TelegramChannel) -> None:
    message_id = await telegram.sender.send(outgoing(silent=True))
    sent = fake.sent_to(CHAT)
    assert len(sent) == 1 and message_id == str(sent[0].message_id)
    assert sent[0].silent is True and sent[0].text == NUDGE.text
    data = sent[0].buttons[0][1]
    assert len(data.encode()) <= 64
    assert callbacks.verify(services.store.vault.callback_key, ADDRESS, data) == "menu:checkin"


async def test_a_normal_message_notifies(fake: FakeTelegram, telegram: TelegramChannel) -> None:
    await telegram.sender.send(outgoing())
    assert fake.sent_to(CHAT)[0].silent is False


async def test_pictures_go_as_photos_and_files_as_documents(fake: FakeTelegram, telegram: TelegramChannel) -> None:
    chart = Reply("Your moods this month", image=Image(b"\x89PNG fake"))
    export = Reply("x" * 1500, document=Document("my-data.json", b"{}"))
    await telegram.sender.send(outgoing(chart, export))
    photo, text, document = fake.sent_to(CHAT)
    assert (photo.kind, photo.text, photo.file) == ("photo", "Your moods this month", b"\x89PNG fake")
    assert (text.kind, document.kind, document.filename, document.text) == ("text", "document", "my-data.json", "")


async def test_a_429_hands_the_wait_back_to_the_outbox(fake: FakeTelegram, telegram: TelegramChannel) -> None:
    fake.fail("sendMessage", "retry_after", retry_after=3)
    with pytest.raises(RetryLater) as raised:
        await telegram.sender.send(outgoing())
    assert raised.value.retry_after == 3
    assert len(fake.calls_of("sendMessage")) == 1, "the sender itself does not wait"


async def test_a_403_means_unreachable(fake: FakeTelegram, telegram: TelegramChannel) -> None:
    fake.fail("sendMessage", "forbidden")
    with pytest.raises(Unreachable):
        await telegram.sender.send(outgoing())


async def test_a_dropped_connection_means_maybe_sent(fake: FakeTelegram, telegram: TelegramChannel) -> None:
    """The request went out before the connection dropped: never send it again (no second copy)."""
    fake.fail("sendMessage", "drop")
    with pytest.raises(MaybeSent):
        await telegram.sender.send(outgoing())


async def test_an_address_that_is_not_a_chat_id_is_unreachable(telegram: TelegramChannel) -> None:
    with pytest.raises(Unreachable):
        await telegram.sender.send(outgoing(address=Address("telegram", "not-a-number")))


async def test_paid_broadcasts_are_off_by_default(fake: FakeTelegram, telegram: TelegramChannel) -> None:
    await telegram.sender.send(outgoing())
    assert "allow_paid_broadcast" not in fake.calls_of("sendMessage")[-1].params


async def test_paid_broadcasts_mark_proactive_messages_and_give_the_outbox_its_own_budget(
        services: Services, fake: FakeTelegram) -> None:
    services.settings = services.settings.model_copy(update={"telegram_paid_broadcast": True})
    channel = TelegramChannel(services)
    await channel.start()
    try:
        await channel.sender.send(outgoing())
        person = Person(fake, channel.application.update_queue, chat_id=5252)
        await person.send("/start")
    finally:
        await channel.stop()
    proactive, reply = fake.calls_of("sendMessage")[-2:]
    assert proactive.params["allow_paid_broadcast"] is True
    assert "allow_paid_broadcast" not in reply.params, "replies stay within the free limit"
