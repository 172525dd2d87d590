"""Attacks on the WhatsApp webhook: huge bodies, odd signature headers, deep JSON, and replays after a restart
or a key rotation; and what a restart must not lose (numbered choices, held messages)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest
from starlette.requests import Request

from bot.channels.whatsapp import WEBHOOK_PATH
from bot.channels.whatsapp.webhook import SIGNATURE_HEADER, sign_body
from bot.core.clock import FakeClock
from bot.core.messages import Address, Choice, Reply
from bot.web import MAX_BODY_BYTES
from tests.channels.whatsapp.test_sender import REMINDER, consented, reminder, sender_of
from tests.fakes.graph_api import FakeGraph
from tests.fakes.whatsapp import APP_SECRET, Rig, inbound, serve, template_button, text, whatsapp_settings
from tests.helpers import CONTENT, ROOT, TEST_KEY, stored_bytes
from tests.storage.test_rotation import NEW_KEY

pytestmark = pytest.mark.both_engines

CHUNK = 1 << 20


async def test_a_huge_body_is_refused_with_413_before_it_is_read(rig: Rig) -> None:
    pulled = 0
    total_chunks = 64  # stands for the 600 MB an attacker sent without a signature

    async def receive() -> MutableMapping[str, Any]:
        nonlocal pulled
        pulled += 1
        return {"type": "http.request", "body": b"x" * CHUNK, "more_body": pulled < total_chunks}

    scope = {"type": "http", "method": "POST", "path": WEBHOOK_PATH, "query_string": b"",
             "headers": [(SIGNATURE_HEADER.lower().encode(), b"sha256=00")]}
    response = await rig.channel.receive(Request(scope, receive))
    assert response.status_code == 413
    assert pulled <= MAX_BODY_BYTES // CHUNK + 1  # it stopped reading at the limit


async def test_a_declared_huge_body_and_a_real_one_get_413_on_the_server(rig: Rig) -> None:
    body = b'{"entry": []}' + b" " * (MAX_BODY_BYTES + 10)
    headers = {SIGNATURE_HEADER: sign_body(APP_SECRET.encode(), body), "Content-Type": "application/json"}
    response = await rig.http.post(WEBHOOK_PATH, content=body, headers=headers)
    assert response.status_code == 413
    assert rig.graph.sent == []


async def test_a_non_ascii_signature_header_is_403_not_500(rig: Rig) -> None:
    body = json.dumps(inbound("254700000009", text("hello"))).encode()
    for header in ("sha256=é".encode(), "sha256=ünïcødé".encode("latin-1"), b"\xff\xfe"):
        response = await rig.http.post(WEBHOOK_PATH, content=body, headers={SIGNATURE_HEADER.encode(): header})
        assert response.status_code == 403
    assert rig.graph.sent == []


async def test_deeply_nested_json_is_400_not_a_crash(rig: Rig) -> None:
    depth = 100_000
    body = b'{"entry": ' + b"[" * depth + b"]" * depth + b"}"
    headers = {SIGNATURE_HEADER: sign_body(APP_SECRET.encode(), body)}
    response = await rig.http.post(WEBHOOK_PATH, content=body, headers=headers)
    assert response.status_code == 400
    assert rig.graph.sent == []


async def test_a_message_replayed_after_a_restart_does_nothing(tmp_path: Path, clock: FakeClock, engine: str,
                                                             graph: FakeGraph) -> None:
    base_url = await graph.start()
    payload = inbound("254700000011", text("hello"), message_id="wamid.replayed-once")
    async for rig in serve(whatsapp_settings(tmp_path, base_url, engine), clock, graph):
        assert (await rig.post(payload)).status_code == 200
        assert (await rig.post(payload)).status_code == 200
    answered = len(graph.sent)
    assert answered >= 1
    async for rig in serve(whatsapp_settings(tmp_path, base_url, engine), clock, graph):
        assert (await rig.post(payload)).status_code == 200
    assert len(graph.sent) == answered
    assert b"wamid.replayed-once" not in stored_bytes(tmp_path / "companion.db")


async def test_a_message_replayed_after_a_key_rotation_does_nothing(tmp_path: Path, clock: FakeClock,
                                                                  graph: FakeGraph) -> None:
    """`db rotate-key` between two deliveries of one signed body: it is answered once."""
    base_url = await graph.start()
    payload = inbound("254700000012", text("hello"), message_id="wamid.replayed-after-rotation")
    async for rig in serve(whatsapp_settings(tmp_path, base_url), clock, graph):
        assert (await rig.post(payload)).status_code == 200
    answered = len(graph.sent)
    assert answered >= 1
    env = {**os.environ, "DATABASE_PATH": str(tmp_path / "companion.db"), "DATA_KEY": TEST_KEY,
           "NEW_DATA_KEY": NEW_KEY, "CONTENT_DIR": str(CONTENT)}
    rotated = subprocess.run([sys.executable, "-m", "bot", "db", "rotate-key"], env=env, cwd=ROOT, text=True,
                             capture_output=True, timeout=60, check=False)
    assert rotated.returncode == 0, rotated.stderr
    async for rig in serve(whatsapp_settings(tmp_path, base_url, data_key=NEW_KEY), clock, graph):
        assert (await rig.post(payload)).status_code == 200
        assert (await rig.post(inbound("254700000012", text("hello again")))).status_code == 200
    assert len(graph.sent) == answered + 1  # the replay did nothing; a new message is still answered
    assert b"wamid.replayed-after-rotation" not in stored_bytes(tmp_path / "companion.db")


async def test_numbered_choices_survive_a_restart(tmp_path: Path, clock: FakeClock, graph: FakeGraph,
                                                  engine: str) -> None:
    base_url = await graph.start()
    many = tuple(Choice(f"menu:item{n}", f"Item {n}") for n in range(1, 12))
    many = (*many[:2], Choice("menu:checkin", "Check in"), *many[3:])
    async for rig in serve(whatsapp_settings(tmp_path, base_url, engine), clock, graph):
        phone, contact = await consented(rig)
        await sender_of(rig).send(reminder(contact, "notice", (Reply("Pick one", many),)))
        assert "3. Check in" in phone.received()[-1]["text"]["body"]
    async for rig in serve(whatsapp_settings(tmp_path, base_url, engine), clock, graph):
        phone = rig.phone()
        phone.seen = len(phone.received())
        await phone.say("3")
        assert len(phone.options()) == 5 and phone.last[-1]["type"] == "interactive"
    assert b"Item 11" not in stored_bytes(tmp_path / "companion.db")


async def test_a_held_message_survives_a_restart(tmp_path: Path, clock: FakeClock, graph: FakeGraph,
                                                engine: str) -> None:
    base_url = await graph.start()
    async for rig in serve(whatsapp_settings(tmp_path, base_url, engine), clock, graph):
        phone, contact = await consented(rig)
        rig.clock.advance(days=2)
        await sender_of(rig).send(reminder(contact))
        payload = phone.received()[-1]["template"]["components"][0]["parameters"][0]["payload"]
    assert REMINDER.text.encode() not in stored_bytes(tmp_path / "companion.db")
    async for rig in serve(whatsapp_settings(tmp_path, base_url, engine), clock, graph):
        phone = rig.phone()
        phone.seen = len(phone.received())
        await phone.send(template_button(payload))
        assert REMINDER.text in phone.text


async def test_forget_deletes_what_whatsapp_remembered(rig: Rig) -> None:
    phone, contact = await consented(rig)
    rig.clock.advance(days=2)
    await sender_of(rig).send(reminder(contact))
    memory = rig.services.store.whatsapp
    assert await memory.held(Address("whatsapp", phone.recipient), rig.clock.now())
    await phone.say("forget")
    await phone.tap("Yes")
    assert await memory.held(Address("whatsapp", phone.recipient), rig.clock.now()) == ()
    assert await rig.services.store.db.fetchall("SELECT contact_id FROM whatsapp_memory") == []
