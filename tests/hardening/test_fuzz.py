"""Random sequences of messages and button presses from several people, checked for what must never happen.

Besides free text, commands and presses, the steps play whole flows (asking for a peer, a broadcast, offering
to volunteer), deliver the outbox (so asks and broadcasts arrive with their buttons), run the ticks, and make
someone /forget and /start again in the middle of any of them."""

from __future__ import annotations

import asyncio
import logging
import tempfile
from datetime import date
from pathlib import Path
from typing import cast

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.core.clock import FakeClock
from bot.core.engine import Engine
from bot.core.features import all_features
from bot.core.i18n import Library
from bot.core.messages import Address, Incoming, Reply
from bot.core.peers import SupportMessages, support_tick
from bot.core.proactive.broadcasts import broadcast_tick
from bot.core.proactive.render import Renderers
from bot.scheduling.dispatcher import Dispatcher
from bot.storage.store import Store
from tests.helpers import CONTENT, TEST_KEY, rows
from tests.outbox import FakeSender
from tests.postgres import database_settings

LIBRARY = Library.load(CONTENT)
PEOPLE = ("ana", "ben", "cai")
SECRETS = {name: f"zq{name}secret" for name in PEOPLE}
PHONES = {name: f"+2557000001{n:02d}" for n, name in enumerate(PEOPLE)}  # how each asks to be reached
COMMANDS = sorted({c for f in all_features() for c in f.commands})

FLOWS: dict[str, list[str]] = {  # text to send, or "@prefix" to press the first choice whose key starts so
    "peer": ["/support", "@support:peer", "Sam", "@support:skip", "@support:reach:whatsapp", "{phone}"],
    "relay": ["/support", "@support:peer", "Sam", "@support:skip", "@support:reach:bot", "are you there?"],
    "broadcast": ["/broadcast", "@broadcast:pick", "@broadcast:next", "A note for the group", "@broadcast:now"],
    "offer": ["/offer", "@offer:langsdone", "Cai", "I have been there", "@offer:reach:telegram", "{handle}",
              "@offer:when:any"],
    "approve": ["/volunteers", "@offer:see", "@offer:ok"],
}

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
    st.tuples(st.just("flow"), st.sampled_from(PEOPLE), st.sampled_from(list(FLOWS))),
    st.tuples(st.just("deliver"), st.sampled_from(PEOPLE), st.just(0)),
    st.tuples(st.just("tick"), st.sampled_from(PEOPLE), st.integers(min_value=0, max_value=40)),
    st.tuples(st.just("rejoin"), st.sampled_from(PEOPLE), st.just(0)),
    st.tuples(st.just("answer"), st.sampled_from(PEOPLE), st.integers(min_value=0, max_value=5)),
)


async def _setup(store: Store, engine: Engine) -> str:
    """Each person consents, keeps notes and leaves one secret note; ana facilitates a cohort all three joined,
    and cai volunteers, approved by ana. Returns the join code."""
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
    for flow, name in (("offer", "cai"), ("approve", "ana")):
        await _flow(engine, Address("console", name), flow)
    return cohort.code


async def _flow(engine: Engine, address: Address, flow: str) -> list[Reply]:
    """Play a scripted flow as far as it goes; every reply along the way is returned."""
    replies: list[Reply] = []
    last: list[Reply] = []
    for step in FLOWS[flow]:
        if step.startswith("@"):
            found = next((c.key for r in last for c in r.choices if c.key.startswith(step[1:])), None)
            if found is None:
                continue
            last = await engine.handle(Incoming.pressed(address, found))
        else:
            text = step.format(phone=PHONES[address.id], handle="@zq_peer_handle")
            last = await engine.handle(Incoming.from_text(address, text))
        replies += last
    return replies


async def _rejoin(engine: Engine, address: Address, code: str) -> list[Reply]:
    """/forget (confirmed), then /start again as a stranger and join the group."""
    replies = await engine.handle(Incoming.from_text(address, "/forget"))
    replies += await engine.handle(Incoming.pressed(address, "privacy:forget:yes"))
    for step in (Incoming.from_text(address, "/start"), Incoming.pressed(address, "start:yes:en"),
                 Incoming.pressed(address, "start:notes:off"), Incoming.from_text(address, f"/join {code}")):
        replies += await engine.handle(step)
    return replies


def _leaks(name: str, replies: list[Reply]) -> list[str]:
    shown = " ".join(r.text + " " + (r.document.data.decode() if r.document else "") for r in replies)
    return [other for other, secret in SECRETS.items() if other != name and secret in shown]


async def _play(steps: list[tuple[str, str, object]], engine_name: str = "sqlite") -> None:
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "fuzz.db"
        store = await Store.open(database_settings(db, engine_name).get("database_url", db), TEST_KEY)
        clock = FakeClock()
        engine = Engine(store, LIBRARY, clock, all_features())
        sender = FakeSender()
        renderers = Renderers(store, LIBRARY)
        SupportMessages(store, LIBRARY).register(renderers)
        post = Dispatcher(store, renderers, {"console": sender}, clock)
        try:
            code = await _setup(store, engine)
            seen: list[str] = []
            ids_gone: set[int] = set()
            made_for: dict[str, str | None] = {}  # an ask's button -> whose request it was made for
            asked: dict[str, list[str]] = {}  # the ask buttons each person received, oldest first
            for kind, name, value in steps:
                clock.advance(seconds=3)
                address = Address("console", name)
                ids_before = await _contact_ids(store)
                replies: list[Reply] = []
                if kind == "flow":
                    replies = await _flow(engine, address, str(value))
                elif kind == "rejoin":
                    had = await store.contacts.find(address)
                    replies = await _rejoin(engine, address, code)
                    ids_gone |= {had.id} if had is not None else set()
                elif kind == "tick":
                    clock.advance(minutes=int(value))  # type: ignore[call-overload]
                    await support_tick(store, clock.now())
                    await broadcast_tick(store, clock.now())
                elif kind == "deliver":
                    already = len(sender.sent)
                    await post.drain()
                    for item in sender.sent[already:]:
                        assert not _leaks(item.address.id, list(item.replies))
                        seen += [c.key for r in item.replies for c in r.choices]
                        for choice in (c for r in item.replies for c in r.choices if c.key.startswith("support:")):
                            made_for[choice.key] = await _requester_of(store, choice.key)
                            asked.setdefault(item.address.id, []).append(choice.key)
                else:
                    mine = asked.get(name, [])  # "answer": press a Yes or No of an ask delivered to this person
                    choices = mine if kind == "answer" and mine else seen
                    incoming = _incoming("press" if kind == "answer" else kind, address, value, choices)
                    replies = await engine.handle(incoming)
                    shown = " ".join(r.text for r in replies)
                    for other in (o for o in PEOPLE if o != name and PHONES[o] in shown):
                        assert made_for.get(incoming.choice or "") == other, "a number shown for another request"
                assert not _leaks(name, replies)
                seen += [c.key for r in replies for c in r.choices]
                ids_after = await _contact_ids(store)
                ids_gone |= ids_before - ids_after
                assert not ids_gone & ids_after, "a forgotten person's id was handed out again"
        finally:
            await store.close()
        if engine_name == "sqlite":  # PostgreSQL checks every foreign key as it goes
            assert rows(db, "PRAGMA integrity_check") == [("ok",)]
            assert rows(db, "PRAGMA foreign_key_check") == []


def _incoming(kind: str, address: Address, value: object, seen: list[str]) -> Incoming:
    if kind == "text":
        return Incoming.from_text(address, str(value))
    if kind == "command":
        command, args = cast(tuple[str, str], value)
        return Incoming(address, text=f"/{command} {args}", command=command, args=args)
    if kind == "press" and seen:
        return Incoming.pressed(address, seen[int(value) % len(seen)])  # type: ignore[call-overload]
    if kind == "press":
        return Incoming.from_text(address, "menu")
    return Incoming.pressed(address, str(value))


async def _requester_of(store: Store, choice_key: str) -> str | None:
    """Whose request an ask's button was made for, read when the ask is delivered (the ask id comes last)."""
    ask_id = choice_key.rsplit(":", 1)[-1]
    ask = await store.support.get_ask(int(ask_id)) if ask_id.isdigit() else None
    request = await store.support.get(ask.request_id) if ask is not None else None
    requester = await store.contacts.get(request.requester_id) if request is not None else None
    return requester.address.id if requester is not None else None


async def _contact_ids(store: Store) -> set[int]:
    return {int(row[0]) for row in await store.db.fetchall("SELECT id FROM contacts")}


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


# Always played: /forget and /start in the middle of a peer request, a relay and a broadcast.
ALWAYS_PLAYED: list[tuple[str, str, object]] = [
    ("flow", "ben", "peer"), ("deliver", "ana", 0), ("rejoin", "ben", 0), ("flow", "ana", "peer"),
    ("deliver", "ana", 0), ("answer", "cai", 0), ("answer", "cai", 2), ("flow", "ben", "peer"),
    ("rejoin", "cai", 0), ("deliver", "ana", 0), ("press", "cai", 3), ("flow", "ana", "broadcast"),
    ("rejoin", "cai", 0), ("deliver", "ana", 0), ("rejoin", "ana", 0), ("tick", "ana", 31), ("deliver", "ana", 0),
    ("flow", "cai", "offer"), ("flow", "ana", "approve"), ("rejoin", "ana", 0), ("flow", "ben", "relay"),
    ("deliver", "ana", 0), ("answer", "cai", 5), ("text", "cai", "hello"), ("rejoin", "ben", 0), ("deliver", "ana", 0),
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(actions, min_size=1, max_size=25))
@example(steps=ALWAYS_PLAYED)
def test_random_conversations_never_crash_leak_or_corrupt(steps: list[tuple[str, str, object]]) -> None:
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    try:
        asyncio.run(_play(steps))
    finally:
        logging.getLogger().removeHandler(errors)
    assert not errors.records, f"an update raised inside the engine: {errors.records[0].exc_text}"


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(actions, min_size=1, max_size=25))
@example(steps=ALWAYS_PLAYED)
def test_random_conversations_never_crash_leak_or_corrupt_on_postgresql(steps: list[tuple[str, str, object]]) -> None:
    """The same play on PostgreSQL, fewer examples: each one is a fresh database on the test server."""
    errors = _Errors()
    logging.getLogger().addHandler(errors)
    try:
        asyncio.run(_play(steps, "postgresql"))
    finally:
        logging.getLogger().removeHandler(errors)
    assert not errors.records, f"an update raised inside the engine: {errors.records[0].exc_text}"
