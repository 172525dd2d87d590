"""At DEBUG level, through a whole conversation on the fake Bot API, the logs hold no token, chat id or text."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.app import Services
from bot.channels.telegram import TelegramChannel
from bot.config import Settings
from bot.logs import configure_logging, settings_secrets
from tests.e2e.fake_telegram import FakeTelegram, Person

pytestmark = pytest.mark.both_engines

CHAT_ID = 5512345678
WORDS = ("unmistakable-note-words", "a sentence nobody should log")


@pytest.fixture
def debug_log(settings: Settings) -> Iterator[io.StringIO]:
    """The logging the CLI sets up, at DEBUG, written to a buffer."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    buffer = io.StringIO()
    private = configure_logging(logging.DEBUG, buffer)
    private.secrets |= settings_secrets(settings)
    httpx_level = logging.getLogger("httpx").level
    logging.getLogger("httpx").setLevel(logging.DEBUG)  # an operator turning everything up
    yield buffer
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(httpx_level)


async def test_debug_logs_hold_no_token_chat_id_or_text(debug_log: io.StringIO, services: Services,
                                                        fake: FakeTelegram, telegram: TelegramChannel) -> None:
    person = Person(fake, telegram.application.update_queue, chat_id=CHAT_ID)
    await person.send("/start")
    await person.press("English")
    await person.press("agree")
    await person.press("Keep my notes")
    await person.send("/checkin")
    await person.press("Low")
    await person.send(WORDS[0])
    await person.send(WORDS[1])
    await person.send("/forget")
    await person.press("Yes")
    logged = debug_log.getvalue()
    assert "sendMessage" in logged  # the handler saw the traffic (the fake server's access lines)
    assert fake.token not in logged
    assert fake.token.split(":", 1)[1] not in logged
    assert str(CHAT_ID) not in logged
    for words in WORDS:
        assert words not in logged
