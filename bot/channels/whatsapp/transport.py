"""An httpx transport that sends every request to WHATSAPP_API_BASE_URL.

pywa writes Meta's Graph URL onto the client it is given and has no base-URL setting, so the rewrite happens
at the one cut-off point between the client and the network.
"""

from __future__ import annotations

import httpx

TIMEOUT_SECONDS = 15.0


class BaseUrlTransport(httpx.AsyncBaseTransport):
    """Keep each request's path and query, but send it to `base` (its scheme, host, port and path prefix)."""

    def __init__(self, base: str, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.base = httpx.URL(base)
        self.prefix = self.base.raw_path.split(b"?", 1)[0].rstrip(b"/")
        self.inner = inner or httpx.AsyncHTTPTransport()

    def rewrite(self, url: httpx.URL) -> httpx.URL:
        return url.copy_with(scheme=self.base.scheme, host=self.base.host, port=self.base.port,
                             raw_path=self.prefix + url.raw_path)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = self.rewrite(request.url)
        request.headers["Host"] = request.url.netloc.decode("ascii")
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def graph_client(base: str) -> httpx.AsyncClient:
    """A fresh client for pywa (it refuses to share one) that talks to `base`."""
    return httpx.AsyncClient(transport=BaseUrlTransport(base), timeout=TIMEOUT_SECONDS)
