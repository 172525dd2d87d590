from __future__ import annotations

import json

import pytest

from bot.channels.whatsapp import WEBHOOK_PATH
from bot.channels.whatsapp.webhook import sign_body
from bot.core import callbacks
from bot.core.messages import Address
from tests.fakes.whatsapp import (
    APP_SECRET,
    VERIFY_TOKEN,
    Rig,
    button_reply,
    image,
    inbound,
    text,
)
from tests.helpers import person_rows

pytestmark = pytest.mark.both_engines


async def test_verification_echoes_the_challenge_only_for_the_right_token(rig: Rig) -> None:
    good = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    response = await rig.http.get(WEBHOOK_PATH, params=good)
    assert (response.status_code, response.text) == (200, "1158201444")
    for bad in ({**good, "hub.verify_token": "wrong"}, {**good, "hub.mode": "unsubscribe"},
                {"hub.challenge": "1158201444"}):
        response = await rig.http.get(WEBHOOK_PATH, params=bad)
        assert response.status_code == 403
        assert "1158201444" not in response.text


async def test_missing_or_wrong_signature_gets_403_and_changes_nothing(rig: Rig) -> None:
    phone = rig.phone()
    await phone.consent()
    rows, sent = person_rows(rig.services.settings.database_path), len(rig.graph.sent)
    for signature in (None, "", "sha256=" + "0" * 64, "sha1=abc", "garbage"):
        response = await rig.post(inbound(phone.wa_id, text("checkin")), signature=signature)
        assert response.status_code == 403
    assert person_rows(rig.services.settings.database_path) == rows
    assert len(rig.graph.sent) == sent


async def test_a_forged_payload_signed_with_another_secret_is_refused(rig: Rig) -> None:
    payload = inbound("254700000009", text("start"))
    forged = sign_body(b"not-the-app-secret", json.dumps(payload).encode())
    assert (await rig.post(payload, signature=forged)).status_code == 403
    assert rig.graph.sent == []


async def test_signed_but_malformed_bodies_get_400_and_change_nothing(rig: Rig) -> None:
    body = b"{not json"
    headers = {"X-Hub-Signature-256": sign_body(APP_SECRET.encode(), body)}
    response = await rig.http.post(WEBHOOK_PATH, content=body, headers=headers)
    assert response.status_code == 400
    assert rig.graph.sent == [] and person_rows(rig.services.settings.database_path) == 0


async def test_meta_retries_of_the_same_message_are_answered_once(rig: Rig) -> None:
    payload = inbound("254700000001", text("start"), message_id="wamid.retry")
    for _ in range(3):
        assert (await rig.post(payload)).status_code == 200
    assert len(rig.graph.sent) == 1
    again = inbound("254700000001", text("start"), message_id="wamid.retry")
    again["entry"][0]["id"] = "another-entry"
    await rig.post(again)
    assert len(rig.graph.sent) == 1


async def test_both_payload_shapes_reach_the_same_flow(rig: Rig) -> None:
    with_id = rig.phone("254700000002", user_id="KE.2222222222")
    await with_id.say("start")
    assert with_id.last[0]["to"] == "254700000002"
    hidden = rig.phone(None, user_id="KE.3333333333")
    await hidden.say("start")
    [message] = hidden.last
    assert message["recipient"] == "KE.3333333333" and "to" not in message
    await hidden.tap("English")
    await hidden.tap("agree")
    assert await rig.services.store.contacts.find(Address("whatsapp", "KE.3333333333")) is not None


async def test_pictures_and_voice_notes_get_a_kind_text_only_answer(rig: Rig) -> None:
    phone = rig.phone()
    await phone.send(image())
    assert "only read text" in phone.text
    assert person_rows(rig.services.settings.database_path) == 0


async def test_forged_or_foreign_button_ids_are_refused_kindly(rig: Rig) -> None:
    phone = rig.phone()
    await phone.consent()
    other = Address("whatsapp", "254799999999")
    foreign = callbacks.sign(rig.services.store.vault.callback_key, other, "start:notes:on")
    for option_id in (foreign, "1start:notes:on.AAAAAAAA", "start:notes:on"):
        await phone.send(button_reply(option_id, "Keep my notes"))
        assert "no longer works" in phone.text
    contact = await rig.services.store.contacts.find(Address("whatsapp", phone.recipient))
    assert contact is not None and contact.keep_notes is False


async def test_stop_typed_in_capitals_wins_over_a_running_checkin(rig: Rig) -> None:
    phone = rig.phone()
    await phone.consent()
    await phone.say("checkin")
    await phone.say("STOP")
    contact = await rig.services.store.contacts.find(Address("whatsapp", phone.recipient))
    assert contact is not None and contact.status == "stopped"
