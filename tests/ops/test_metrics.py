"""GET /metrics: Prometheus text behind a bearer token, with no person, cohort, chat id or text in any label."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.app import Services, build_scheduling, operator_routes
from bot.config import load_settings
from bot.web import build_app
from tests.helpers import Chat
from tests.outbox import FakeSender, facilitator, new_cohort

pytestmark = pytest.mark.both_engines

TOKEN = "scrape-token-0123456789"
NOTE = "Saw Grace at the clinic today"
COHORT = "Riverside Tuesday group"
ALLOWED_LABELS = {"channel", "feature", "kind", "status", "outcome", "job", "le", "quantile"}


def client(services: Services, token: str | None = TOKEN) -> httpx.AsyncClient:
    services.settings = load_settings(_env_file=None, database_path=services.settings.database_path,
                                      data_key=services.settings.data_key, content_dir=services.settings.content_dir,
                                      database_url=services.settings.database_url, metrics_token=token)
    scheduling = build_scheduling(services, {"console": FakeSender()})
    app = build_app(operator_routes(services, scheduling, []))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://companion.test")


async def a_whole_conversation(services: Services) -> None:
    """A facilitator makes a named cohort; a member joins, checks in with a note, and reflects."""
    fay = await facilitator(services)
    code = await new_cohort(fay, COHORT)
    ana = Chat(services.engine, "ana-90210")
    await ana.consent(keep_notes=True)
    await ana.send(f"/join {code}")
    await ana.send("/checkin")
    await ana.press("Okay")
    await ana.send(NOTE)
    await ana.send("something nobody understands")
    await fay.send("/stats")


async def test_scrape_after_a_whole_conversation_names_nobody(services: Services) -> None:
    await a_whole_conversation(services)
    async with client(services) as http:
        answer = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    body = answer.text
    assert 'companion_updates_total{channel="console",feature="checkin"}' in body
    assert "companion_reply_seconds_bucket" in body
    assert "companion_database_bytes" in body
    for secret in ("fay-4471", "ana-90210", "Grace", "Riverside", "nobody understands"):
        assert secret not in body
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            assert set(sample.labels) <= ALLOWED_LABELS, sample
            for value in sample.labels.values():
                assert len(value) <= 32 and " " not in value, sample


async def test_outbox_rows_show_by_kind_and_status(services: Services) -> None:
    ana = Chat(services.engine)
    await ana.consent()
    contact = await services.store.contacts.find(ana.address)
    assert contact is not None
    now = services.clock.now()
    await services.store.deliveries.enqueue(contact.id, "notice", "n1", now, {"key": "menu.title"}, now)
    async with client(services) as http:
        body = (await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})).text
    assert 'companion_outbox_rows{kind="notice",status="pending"} 1.0' in body


async def test_no_token_no_entry(services: Services) -> None:
    async with client(services) as http:
        assert (await http.get("/metrics")).status_code == 401
        assert (await http.get("/metrics", headers={"Authorization": "Bearer wrong-token-000000"})).status_code == 401
        assert (await http.get("/metrics", headers={b"Authorization": f"Bearer {TOKEN}é".encode()})).status_code == 401


async def test_metrics_are_off_unless_a_token_is_set(services: Services) -> None:
    async with client(services, token=None) as http:
        assert (await http.get("/metrics")).status_code == 404


async def test_the_sending_budget_shows_its_queue_and_how_many_processes_share_it(services: Services) -> None:
    """An operator watching the minute after a reminder sees sends queue for each channel's budget (a 429's
    hold keeps them queued here), and how many processes share that budget."""
    services.settings = load_settings(_env_file=None, database_path=services.settings.database_path,
                                      data_key=services.settings.data_key, content_dir=services.settings.content_dir,
                                      metrics_token=TOKEN)
    scheduling = build_scheduling(services, {"telegram": FakeSender(channel="telegram")})
    pace = scheduling.share.paces["telegram"]
    pace.hold(60)
    waiting = [asyncio.create_task(pace.wait(urgent=True)) for _ in range(3)]
    await asyncio.sleep(0)
    app = build_app(operator_routes(services, scheduling, []))
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://companion.test") as http:
            response = await http.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    finally:
        for task in waiting:
            task.cancel()
        await asyncio.gather(*waiting, return_exceptions=True)
    samples = {(sample.name, sample.labels.get("channel")): sample.value
               for family in text_string_to_metric_families(response.text) for sample in family.samples}
    assert samples[("companion_send_waiting", "telegram")] == 3
    assert samples[("companion_sending_processes", "telegram")] == 1
