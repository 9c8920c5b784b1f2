"""The money bench's HTTP client: the buyers' apps, the payers' browser and Midtrans's notifier,
all on aiohttp's client.

It runs on the same two cores as the stack it measures, so its own CPU is taken from the
services: through httpx's API (on aiohttp's connector underneath) the buyers spent ~3.7 ms of CPU
per booking, a tenth of what the stack itself spends. Only what the bench reads of an answer is
kept: the status, the headers (case-insensitive) and the JSON body.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import aiohttp
from multidict import CIMultiDictProxy

# Idle connections are dropped before the servers' 5 s keep-alive ends (uvicorn's default): a
# request sent on a connection the server is closing at that moment fails on a busy machine,
# which says nothing about the money path.
_KEEPALIVE_SECONDS = 2.0
_MAX_CONNECTIONS = 64


class HttpStatusError(Exception):
    def __init__(self, reply: Reply) -> None:
        super().__init__(f"{reply.method} {reply.url}: {reply.status_code} {reply.body[:300]!r}")
        self.reply = reply


@dataclass(frozen=True)
class Reply:
    method: str
    url: str
    status_code: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise HttpStatusError(self)


class BenchClient:
    """`get` and `post` against `base_url` (or an absolute URL), each answer read whole."""

    def __init__(
        self, base_url: str = "", *, timeout: float = 60, headers: dict[str, str] | None = None
    ) -> None:
        self._base = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._headers = headers or {}
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> BenchClient:
        connector = aiohttp.TCPConnector(limit=_MAX_CONNECTIONS, keepalive_timeout=_KEEPALIVE_SECONDS)
        self._session = aiohttp.ClientSession(
            connector=connector,
            timeout=self._timeout,
            headers=self._headers,
            cookie_jar=aiohttp.DummyCookieJar(),
        )
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()

    async def get(
        self, url: str, *, params: dict[str, str | int] | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        return await self._request("GET", url, params=params, headers=headers)

    async def post(self, url: str, *, json: Any = None, headers: dict[str, str] | None = None) -> Reply:
        return await self._request("POST", url, json=json, headers=headers)

    async def _request(self, method: str, url: str, **options: Any) -> Reply:
        assert self._session is not None, "use the client in `async with`"
        target = url if "://" in url else self._base + url
        async with self._session.request(method, target, **options) as response:
            body = await response.read()
            return Reply(method, target, response.status, response.headers, body)
