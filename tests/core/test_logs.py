from __future__ import annotations

import logging

import pytest

from bot.app import Services
from tests.helpers import Chat

pytestmark = pytest.mark.both_engines


async def test_logs_hold_no_message_text_or_identifier(services: Services, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    chat = Chat(services.engine, "tg-55511122", channel="telegram")
    await chat.consent(keep_notes=True)
    await chat.send("/checkin")
    await chat.press("Low")
    await chat.send("secretword")
    await chat.send("an unusual sentence nobody logs")
    await chat.send("I want to die")
    await chat.send("/mydata")
    await chat.send("/forget")
    await chat.press("Yes, delete")
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
    for secret in ("55511122", "secretword", "unusual sentence", "want to die"):
        assert secret not in logged
