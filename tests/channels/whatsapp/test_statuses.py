"""Status webhooks (sent, delivered, read, failed; out of order) update the outbox row by message id."""

from __future__ import annotations

import pytest

from bot.storage.contacts import ContactStatus
from bot.storage.deliveries import DeliveryStatus
from tests.fakes.whatsapp import Rig, receipt, sent_delivery, statuses

pytestmark = pytest.mark.both_engines


async def test_out_of_order_statuses_keep_the_furthest(rig: Rig) -> None:
    delivery_id = await sent_delivery(rig.services, "wamid.out1")
    assert (await rig.post(statuses(("wamid.out1", "read")))).status_code == 200
    await rig.post(statuses(("wamid.out1", "sent"), ("wamid.out1", "delivered")))
    assert receipt(rig.services, delivery_id) == "read"


async def test_delivered_may_be_skipped(rig: Rig) -> None:
    delivery_id = await sent_delivery(rig.services, "wamid.out2")
    await rig.post(statuses(("wamid.out2", "sent"), ("wamid.out2", "read")))
    assert receipt(rig.services, delivery_id) == "read"


async def test_not_a_whatsapp_user_fails_the_row_says_why_and_stops_proactive_sends(rig: Rig) -> None:
    delivery_id = await sent_delivery(rig.services, "wamid.out3")
    await rig.post(statuses(("wamid.out3", "failed"), error_code=131026))
    await rig.post(statuses(("wamid.out3", "sent")))
    delivery = await rig.services.store.deliveries.get(delivery_id)
    assert delivery is not None and delivery.status == DeliveryStatus.FAILED
    assert delivery.reason is not None and "131026" in delivery.reason and "not a WhatsApp user" in delivery.reason
    contact = await rig.services.store.contacts.get(delivery.contact_id)
    assert contact is not None and contact.status == ContactStatus.BLOCKED


async def test_a_stopped_person_stays_stopped_after_a_failure(rig: Rig) -> None:
    delivery_id = await sent_delivery(rig.services, "wamid.out4")
    delivery = await rig.services.store.deliveries.get(delivery_id)
    assert delivery is not None
    await rig.services.store.contacts.update(delivery.contact_id, status=ContactStatus.STOPPED)
    await rig.post(statuses(("wamid.out4", "failed"), error_code=131026))
    contact = await rig.services.store.contacts.get(delivery.contact_id)
    assert contact is not None and contact.status == ContactStatus.STOPPED


async def test_unsigned_statuses_change_nothing(rig: Rig) -> None:
    delivery_id = await sent_delivery(rig.services, "wamid.out5")
    response = await rig.post(statuses(("wamid.out5", "failed"), error_code=131026), signature=None)
    assert response.status_code == 403
    assert receipt(rig.services, delivery_id) is None
