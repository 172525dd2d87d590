from __future__ import annotations

import pytest

from bot.app import Services
from bot.storage.deliveries import DeliveryStatus
from tests.fakes.whatsapp import sent_delivery

pytestmark = pytest.mark.both_engines


async def receipt(services: Services, delivery_id: int) -> object:
    row = await services.store.db.fetchone("SELECT receipt FROM deliveries WHERE id = ?", (delivery_id,))
    return row[0]


async def test_receipts_only_move_forward(services: Services) -> None:
    delivery_id = await sent_delivery(services, "wamid.A")
    deliveries, now = services.store.deliveries, services.clock.now()
    assert await deliveries.record_status("wamid.A", "read", None, now) is not None
    assert await deliveries.record_status("wamid.A", "sent", None, now) is None
    assert await deliveries.record_status("wamid.A", "delivered", None, now) is None
    assert await receipt(services, delivery_id) == "read"
    delivery = await deliveries.get(delivery_id)
    assert delivery is not None and delivery.status == DeliveryStatus.SENT


async def test_a_failure_fails_the_row_with_its_reason_and_a_late_sent_does_not_undo_it(services: Services) -> None:
    delivery_id = await sent_delivery(services, "wamid.B")
    deliveries, now = services.store.deliveries, services.clock.now()
    contact_id = await deliveries.record_status("wamid.B", "failed", "whatsapp 131026: not reachable", now)
    await deliveries.record_status("wamid.B", "sent", None, now)
    delivery = await deliveries.get(delivery_id)
    assert delivery is not None and contact_id == delivery.contact_id
    assert (delivery.status, delivery.reason) == (DeliveryStatus.FAILED, "whatsapp 131026: not reachable")
    assert await receipt(services, delivery_id) == "failed"


async def test_unknown_message_ids_change_nothing(services: Services) -> None:
    await sent_delivery(services, "wamid.C")
    assert await services.store.deliveries.record_status("wamid.other", "read", None, services.clock.now()) is None
