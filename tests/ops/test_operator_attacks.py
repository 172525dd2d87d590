"""/metrics and /readyz poked with odd input: wrong or strange tokens, other methods, query strings. Nothing
crashes, nothing personal comes back."""

from __future__ import annotations

import pytest

from bot.app import Services
from tests.helpers import Chat
from tests.ops.test_metrics import TOKEN, client

pytestmark = pytest.mark.both_engines


async def test_odd_requests_are_refused_or_answered_without_anything_personal(services: Services) -> None:
    ana = Chat(services.engine, "ana-555123")
    await ana.consent(keep_notes=True)
    await ana.send("/checkin")
    await ana.press("Okay")
    await ana.send("met Grace at the clinic")
    async with client(services) as http:
        for header in ("", "Bearer", f"bearer {TOKEN}", f"Bearer {TOKEN} ", f"Bearer {TOKEN[:-1]}",
                       "Bearer \xfc" * 50, f"Basic {TOKEN}"):
            answer = await http.get("/metrics", headers=[(b"authorization", header.encode("latin-1"))])
            assert answer.status_code == 401, header
            assert answer.text == "unauthorized"
        assert (await http.post("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})).status_code == 405
        ready = await http.get("/readyz?who=ana-555123&x=%00%ff", headers={"Authorization": "Bearer x"})
        assert ready.status_code in (200, 503)
        assert set(ready.json()) <= {"ready", "reasons"}
        assert (await http.delete("/readyz")).status_code == 405
        scraped = await http.get("/metrics?name[]=1", headers={"Authorization": f"Bearer {TOKEN}"})
        assert scraped.status_code == 200
    for body in (ready.text, scraped.text):
        for secret in ("ana-555123", "Grace", "clinic"):
            assert secret not in body
