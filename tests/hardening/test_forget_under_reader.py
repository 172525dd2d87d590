"""/forget while another connection holds a read transaction: the deleted person must still leave the files."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest

from bot.app import Services
from bot.storage.sqlite.database import BUSY_TIMEOUT_MS, SqliteDatabase
from tests.helpers import Chat, stored_bytes


async def _person_then_reader(services: Services) -> tuple[Chat, bytes, bytes, sqlite3.Connection]:
    chat = Chat(services.engine, "tg-55443322", channel="telegram")
    await chat.consent(keep_notes=True)
    await chat.send("/checkin")
    await chat.press("Low")
    await chat.send("exhausted")
    await services.store.db.checkpoint()  # the person's rows now live in the main file
    lookup = services.store.contacts.lookup_key(chat.address)
    row = await services.store.db.fetchone("SELECT address FROM contacts WHERE lookup = ?", (lookup,))
    assert row is not None
    reader = sqlite3.connect(services.settings.database_path, check_same_thread=False)
    reader.execute("BEGIN")
    reader.execute("SELECT COUNT(*) FROM contacts").fetchall()  # a read snapshot taken before the deletion
    return chat, lookup, bytes(row[0]), reader


async def test_forget_retries_the_checkpoint_until_a_reader_lets_go(services: Services) -> None:
    chat, lookup, address, reader = await _person_then_reader(services)
    assert lookup in stored_bytes(services.settings.database_path)
    # Longer than SQLite's busy timeout: one checkpoint attempt gives up and answers BUSY while the reader stays.
    asyncio.get_running_loop().call_later(BUSY_TIMEOUT_MS / 1000 + 0.5, reader.commit)
    try:
        await chat.send("/forget")
        await chat.press("Yes, delete")
    finally:
        reader.close()
    assert "Everything is deleted" in chat.text
    content = stored_bytes(services.settings.database_path)
    assert lookup not in content
    assert address not in content


async def test_forget_tells_the_operator_when_a_reader_never_lets_go(
        services: Services, caplog: pytest.LogCaptureFixture) -> None:
    chat, _, _, reader = await _person_then_reader(services)
    assert isinstance(services.store.db, SqliteDatabase)
    services.store.db.checkpoint_attempts = 2
    try:
        with caplog.at_level(logging.WARNING):
            await chat.send("/forget")
            await chat.press("Yes, delete")
    finally:
        reader.close()
    assert "Everything is deleted" in chat.text
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("could not be checkpointed" in w for w in warnings)
    assert not any("55443322" in w for w in warnings)
