from __future__ import annotations

import httpx

from bot.channels.whatsapp.transport import BaseUrlTransport


async def test_every_request_goes_to_the_base_url_with_its_path_and_query() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    transport = BaseUrlTransport("http://127.0.0.1:9000/graph/", httpx.MockTransport(answer))
    async with httpx.AsyncClient(transport=transport, base_url="https://graph.facebook.com/v26.0") as client:
        await client.post("/123/messages", params={"a": "b"}, json={})
    [request] = seen
    assert str(request.url) == "http://127.0.0.1:9000/graph/v26.0/123/messages?a=b"
    assert request.headers["Host"] == "127.0.0.1:9000"
