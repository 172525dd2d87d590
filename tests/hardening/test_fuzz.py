"""Random sequences of messages and button presses from several people, checked for what must never happen."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import tempfile
from datetime import date
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.clock import FakeClock
from bot.core.engine import Engine
from bot.core.features import all_features
from bot.core.i18n import Library
from bot.core.messages import Address, Incoming, Reply
from bot.storage.store import Store
from tests.helpers import CONTENT, TEST_KEY

LIBRARY = Library.load(CONTENT)
PEOPLE = ("ana", "ben", "cai")
SECRETS = {name: f"zq{name}secret" for name in PEOPLE}
COMMANDS = sorted({c for f in all_features() for c in f.commands})

texts = st.one_of(
    st.text(max_size=40),
    st.text(min_size=3000, max_size=10_000, alphabet=st.characters(codec="utf-8")),
    st.sampled_from(["menu", "STOP", "1", "/", "/start ../../x", "checkin", "\x00", "🙂" * 50]),
)
actions = st.one_of(
    st.tuples(st.just("text"), st.sampled_from(PEOPLE), texts),
    st.tuples(st.just("command"), st.sampled_from(PEOPLE), st.tuples(st.sampled_from(COMMANDS), st.text(max_size=30))),
    st.tuples(st.just("press"), st.sampled_from(PEOPLE), st.integers(min_value=0, max_value=30)),
    st.tuples(st.just("forge"), st.sampled_from(PEOPLE), st.text(max_size=60)),
)


async def _setup(store: Store, engine: Engine) -> None:
    """Each person consents, keeps notes and leaves one secret note; ana facilitates a cohort all three joined."""
    for name in PEOPLE:
        address = Address("console", name)
        await engine.handle(Incoming.pressed(address, "start:yes:en"))
        await engine.handle(Incoming.pressed(address, "start:notes:on"))
        await engine.handle(Incoming.from_text(address, "/checkin"))
        await engine.handle(Incoming.pressed(address, "checkin:mood:3"))
        await engine.handle(Incoming.from_text(address, SECRETS[name]))
    ana = await store.contacts.find(Address("console", "ana"))
    assert ana is not None
    await store.contacts.update(ana.id, is_facilitator=True)
    cohort = await store.cohorts.create(ana.id, "Fuzz group", date(2026, 1, 10), "en", "UTC", engine.clock.now())
    for name in PEOPLE:
        await engine.handle(Incoming.from_text(Address("console", name), f"/join {cohort.code}"))


def _leaks(name: str, replies: list[Reply]) -> list[str]:
    shown = " ".join(r.text + " " + (r.document.data.decode() if r.document else "") for r in replies)
    return [other for other, secret in SECRETS.items() if other != name and secret in shown]


async def _play(steps: list[tuple[str, str, object]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "fuzz.db"
        store = await Store.open(db, TEST_KEY)
        clock = FakeClock()
        engine = Engine(store, LIBRARY, clock, all_features())
        try:
            await _setup(store, engine)
            seen: list[str] = []
            for kind, name, value in steps:
                clock.advance(seconds=3)
                address = Address("console", name)
                if kind == "text":
                    incoming = Incoming.from_text(address, str(value))
                elif kind == "command":
                    assert isinstance(value, tuple)
                    command, args = str(value[0]), str(value[1])
                    incoming = Incoming(address, text=f"/{command} {args}", command=command, args=args)
                elif kind == "press":
                    if not seen:
                        continue
                    incoming = Incoming.pressed(address, seen[int(value) % len(seen)])  # type: ignore[call-overload]
                else:
                    incoming = Incoming.pressed(address, str(value))
                replies = await engine.handle(incoming)
                assert not _leaks(name, replies)
                seen += [c.key for r in replies for c in r.choices]
        finally:
            await store.close()
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(actions, min_size=1, max_size=25))
def test_random_conversations_never_crash_leak_or_corrupt(steps: list[tuple[str, str, object]]) -> None:
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    try:
        asyncio.run(_play(steps))
    finally:
        logging.getLogger().removeHandler(errors)
    assert not errors.records, f"an update raised inside the engine: {errors.records[0].exc_text}"
