"""The HTTP client that forwards requests: aiohttp's, one session and connection pool for every
instance behind the gateway.

Chosen by measurement (api-gateway/README.md, Performance): at 32 concurrent forwards it spends
about a sixth of the CPU per request that httpx's pool does, because its HTTP parser and writer
are compiled where httpcore's h11 is pure Python.

It is set up to add nothing and change nothing: no cookie jar, no default headers (Accept,
Accept-Encoding, User-Agent, Content-Type), no redirects followed, no decompression, and the
target sent exactly as the client wrote it. aiohttp would send an idempotent request again when
a kept-alive connection dies under it; the gateway never resends a request that may have reached
a service, so that retry is switched off. Idle connections are let go before a service's server
would close them (uvicorn keeps them 5 s), so a request rarely meets a connection being closed.
"""

from __future__ import annotations

import aiohttp
from yarl import URL

from domain.forwarding import Header
from shared.errors import ProblemError

_KEEPALIVE_SECONDS = 4.0
# Headers aiohttp would add on its own; the caller's own ones still go.
_NEVER_ADDED = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")


class ForwardingClient:
    def __init__(self, *, connect_timeout: float, connections_per_instance: int) -> None:
        connector = aiohttp.TCPConnector(
            limit=0,
            limit_per_host=connections_per_instance,
            keepalive_timeout=_KEEPALIVE_SECONDS,
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=_NEVER_ADDED,
            auto_decompress=False,
            # The exchange's deadline is the caller's (Upstreams.forward bounds it whole); a total
            # here as well would arm and cancel a second timer per request.
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout),
        )
        self._session._retry_connection = False  # the switch aiohttp's own test client uses

    async def exchange(
        self, base: str, method: str, target: str, headers: list[tuple[str, str]], body: bytes
    ) -> tuple[int, list[Header], bytes]:
        """One request to `base` + `target`, its whole answer read: status, headers as the
        service sent them, the undecoded body."""
        async with self._session.request(
            method,
            URL(base + target, encoded=True),
            headers=headers,
            data=body if body else None,
            allow_redirects=False,
        ) as response:
            return response.status, list(response.raw_headers), await response.read()

    async def aclose(self) -> None:
        await self._session.close()


def text_headers(headers: list[Header]) -> list[tuple[str, str]] | None:
    """The headers as aiohttp takes them (it writes values as UTF-8); None when a value is not
    UTF-8, so it could not leave byte for byte (the caller then sends it another way)."""
    try:
        return [(name.decode("latin-1"), value.decode("utf-8")) for name, value in headers]
    except UnicodeDecodeError:
        return None


def client_problem(service: str, exc: aiohttp.ClientError) -> ProblemError:
    """aiohttp's failure as the problem a caller should see, as shared.http.upstream_problem maps
    httpx's: 504 too slow, 503 unreachable or gone mid-answer, 502 not HTTP."""
    if isinstance(exc, aiohttp.ServerTimeoutError):
        return ProblemError(504, "upstream-timeout", f"{service} did not answer in time.")
    if isinstance(exc, (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError)):
        return ProblemError(503, "upstream-unavailable", f"{service} is unavailable.")
    return ProblemError(502, "bad-gateway", f"{service} sent an invalid response.")
