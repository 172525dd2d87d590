from __future__ import annotations

from bot.channels.whatsapp.webhook import InboundMessage, StatusUpdate, parse, sign_body, signature_ok
from tests.fakes.whatsapp import (
    PHONE_NUMBER_ID,
    button_reply,
    envelope,
    image,
    inbound,
    list_reply,
    statuses,
    template_button,
    text,
)

SECRET = b"secret"


def test_signature_must_match_the_raw_body() -> None:
    body = b'{"object": "whatsapp_business_account"}'
    header = sign_body(SECRET, body)
    assert signature_ok(SECRET, body, header)
    assert not signature_ok(SECRET, body + b" ", header)
    assert not signature_ok(b"other", body, header)
    assert not signature_ok(SECRET, body, None)
    assert not signature_ok(SECRET, body, "")
    assert not signature_ok(SECRET, body, header.removeprefix("sha256="))
    assert not signature_ok(SECRET, body, "sha256=" + "0" * 64)


def only(payload: dict[str, object]) -> InboundMessage:
    [message] = parse(payload, PHONE_NUMBER_ID).messages
    return message


def test_text_button_list_and_template_replies() -> None:
    assert only(inbound("111", text("hello"))).text == "hello"
    assert only(inbound("111", button_reply("1menu:checkin.abc", "Check in"))).payload == "1menu:checkin.abc"
    assert only(inbound("111", list_reply("1checkin:mood:3.abc", "Okay"))).payload == "1checkin:mood:3.abc"
    assert only(inbound("111", template_button("1menu:menu.abc"))).payload == "1menu:menu.abc"
    assert only(inbound("111", image())).kind == "image"


def test_sender_is_the_phone_number_with_or_without_a_business_scoped_id() -> None:
    assert only(inbound("254700000001", text("hi"))).sender == "254700000001"
    assert only(inbound("254700000001", text("hi"), user_id="KE.1234567890")).sender == "254700000001"
    assert only(inbound(None, text("hi"), user_id="KE.1234567890")).sender == "KE.1234567890"


def test_statuses_keep_their_order_and_error_code() -> None:
    payload = statuses(("wamid.1", "read"), ("wamid.1", "sent"), ("wamid.2", "failed"), error_code=131026)
    assert parse(payload, PHONE_NUMBER_ID).statuses == [
        StatusUpdate("wamid.1", "read"), StatusUpdate("wamid.1", "sent"), StatusUpdate("wamid.2", "failed", 131026),
    ]


def test_every_message_of_a_batch_is_read() -> None:
    first, second = inbound("111", text("one")), inbound("222", text("two"))
    first["entry"][0]["changes"][0]["value"]["messages"] += second["entry"][0]["changes"][0]["value"]["messages"]
    first["entry"][0]["changes"][0]["value"]["contacts"] += second["entry"][0]["changes"][0]["value"]["contacts"]
    assert [(m.sender, m.text) for m in parse(first, PHONE_NUMBER_ID).messages] == [("111", "one"), ("222", "two")]


def test_other_phone_numbers_and_malformed_payloads_are_skipped() -> None:
    payload = inbound("111", text("hello"))
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    assert parse(payload, PHONE_NUMBER_ID).messages == []
    junk: object
    for junk in (None, [], "x", {"entry": "x"}, {"entry": [{"changes": [{"value": 3}]}]},
                 envelope({"messages": [{"type": "text"}], "contacts": "x"}), envelope({"statuses": [{"id": 1}]})):
        assert parse(junk, PHONE_NUMBER_ID).messages == []
        assert parse(junk, PHONE_NUMBER_ID).statuses == []
