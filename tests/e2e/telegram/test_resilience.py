"""What Telegram does to bots: restarts, 429s, blocked people, dropped connections."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import Services
from bot.channels.telegram import TelegramChannel
from tests.e2e.fake_telegram import FakeTelegram, Person
from tests.helpers import rows

pytestmark = pytest.mark.both_engines

Restart = Callable[[], Awaitable[TelegramChannel]]


@pytest.fixture
async def restart(services: Services, telegram: TelegramChannel, person: Person) -> AsyncIterator[Restart]:
    """Stop the running Application and start a fresh one on the same database, as after a deploy."""
    started: list[TelegramChannel] = []

    async def again() -> TelegramChannel:
        await (started[-1] if started else telegram).stop()
        channel = TelegramChannel(services)
        started.append(channel)
        await channel.start()
        person.queue = channel.application.update_queue
        return channel

    yield again
    for channel in started:
        await channel.stop()


async def test_a_button_still_works_after_a_restart(services: Services, person: Person, restart: Restart) -> None:
    await person.consent()
    await person.send("/checkin")
    await restart()
    await person.press("Good")
    assert rows(services.settings.database_path, "SELECT mood FROM checkins") == [(4,)]


async def test_a_stale_button_after_a_restart_changes_nothing(services: Services, fake: FakeTelegram,
                                                              person: Person, restart: Restart) -> None:
    await person.consent()
    question = (await person.send("/checkin"))[0]
    very_low = next(data for label, data in question.buttons if "Very low" in label)
    await person.press("Good")
    await restart()
    replies = await person.press_data(very_low, question.message_id)
    assert "no longer works" in replies[0].text
    assert rows(services.settings.database_path, "SELECT mood FROM checkins") == [(4,)]
    assert len(fake.calls_of("answerCallbackQuery")) == fake.callback_queries


async def test_a_429_is_waited_out_and_the_reply_arrives(fake: FakeTelegram, person: Person) -> None:
    await person.consent()
    before = len(fake.calls_of("sendMessage"))
    fake.fail("sendMessage", "retry_after", retry_after=1)
    replies = await person.send("/menu")
    assert len(replies) == 1 and replies[0].buttons
    sends = fake.calls_of("sendMessage")[before:]
    assert [call.fault for call in sends] == ["retry_after", None]


async def test_a_403_marks_the_contact_blocked_until_they_write(services: Services, fake: FakeTelegram,
                                                               person: Person) -> None:
    db = services.settings.database_path
    await person.consent()
    fake.fail("sendMessage", "forbidden")
    assert await person.send("/menu") == []
    assert rows(db, "SELECT status FROM contacts") == [("blocked",)]
    assert len(await person.send("/menu")) == 1
    assert rows(db, "SELECT status FROM contacts") == [("active",)]


async def test_a_stopped_contact_stays_stopped_after_a_403(services: Services, fake: FakeTelegram,
                                                           person: Person) -> None:
    await person.consent()
    await person.send("/stop")
    fake.fail("sendMessage", "forbidden")
    await person.send("/menu")
    assert rows(services.settings.database_path, "SELECT status FROM contacts") == [("stopped",)]


async def test_polling_survives_a_dropped_connection(fake: FakeTelegram, person: Person,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot")
    fake.fail("getUpdates", "drop")
    await fake.wait_for(lambda: any(call.fault == "drop" for call in fake.calls))
    replies = await person.send("/start")
    assert replies and "welcome" in replies[0].text
    assert "polling the Bot API failed (NetworkError)" in caplog.text


async def test_a_reply_whose_connection_dropped_is_not_sent_again(fake: FakeTelegram, person: Person) -> None:
    """The request went out: Telegram may have delivered it, and a second copy would show twice."""
    fake.fail("sendMessage", "drop")
    await person.send("/start")
    assert [call.fault for call in fake.calls_of("sendMessage")] == ["drop"]


async def test_logs_hold_no_chat_ids_and_no_message_text(fake: FakeTelegram, telegram: TelegramChannel,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    person = Person(fake, telegram.application.update_queue, chat_id=918273645)
    await person.consent()
    fake.fail("sendMessage", "forbidden")
    await person.send("/checkin")
    await person.send("a private thought")
    await person.press_data("1checkin:mood:1.forgedxx", person.last.message_id)
    assert caplog.records
    assert str(person.chat_id) not in caplog.text
    assert "private thought" not in caplog.text


async def test_a_429_on_a_reply_is_counted_for_the_operator(services: Services, fake: FakeTelegram,
                                                            person: Person) -> None:
    """The metric operators alert on counts the 429s that held up people waiting for an answer, not only the
    outbox's."""
    await person.consent()
    fake.fail("sendMessage", "retry_after", retry_after=1)
    await person.send("/menu")
    samples = {(sample.name, sample.labels.get("channel")): sample.value
               for family in text_string_to_metric_families(services.metrics.render().decode())
               for sample in family.samples}
    assert samples.get(("companion_rate_limited_total", "telegram")) == 1
