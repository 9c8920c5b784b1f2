"""The connection pool under every service's httpx client: aiohttp's, not httpcore's.

The services call each other and the suppliers through httpx (shared/http.py's make_client), and
their tests mock those calls with respx. Only the pool below httpx changes: httpx still builds
the request, follows no redirect, decodes the body and raises its own exceptions; this pool sends
the request on aiohttp's connector and hands back the status, headers and raw body.

Why: per request, httpcore's pool spends most of its CPU in pure-Python HTTP parsing (h11) and in
anyio's cancel scopes (one per read, one per write, one to wait for a connection and one to close
none), while aiohttp parses and writes in compiled code. Against one local server the same POST
with a JSON answer cost ~930 µs of CPU through httpx's pool and ~130 µs through aiohttp's
(the gateway forwards on aiohttp's client for the same reason); a booking makes a dozen such
calls across the services.

Set up to add nothing and change nothing, as the gateway's forwarding client: no cookie jar, no
headers of aiohttp's own, no decompression (httpx decodes), no redirects, and no request sent
twice (aiohttp would resend an idempotent one when a kept connection dies under it; httpcore
does not). Each answer is read whole before it is returned: the services read every answer whole.
The tests register this pool with respx (testkit/fixtures.py), so a mocked call never reaches it.

aiohttp (some 9 MiB) is imported by a pool's first request, not when the client is made: a
process that has made no call meanwhile has not loaded it.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterable
from types import TracebackType
from typing import TYPE_CHECKING, Self

import httpcore
import httpx

if TYPE_CHECKING:
    import aiohttp

# Headers aiohttp would add when a request has none; httpx's own still go.
_NEVER_ADDED = ("Accept", "Accept-Encoding", "User-Agent", "Content-Type")


class AiohttpPool:
    """httpcore's pool interface (`handle_async_request`, `aclose`) over one aiohttp session,
    created on first use (aiohttp binds a session to the running event loop)."""

    def __init__(self, *, limits: httpx.Limits, ssl_context: ssl.SSLContext | None) -> None:
        self._limits = limits
        self._ssl = ssl_context if ssl_context is not None else True
        self._session: aiohttp.ClientSession | None = None
        self._timeouts: dict[tuple[float | None, ...], aiohttp.ClientTimeout] = {}

    def _open(self) -> aiohttp.ClientSession:
        import aiohttp  # deferred: see the module docstring

        keepalive = self._limits.keepalive_expiry
        connector = aiohttp.TCPConnector(
            limit=self._limits.max_connections or 0,
            ssl=self._ssl,
            keepalive_timeout=5.0 if keepalive is None else keepalive,
        )
        session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=_NEVER_ADDED,
            auto_decompress=False,
        )
        session._retry_connection = False  # the switch aiohttp's own test client uses
        return session

    def _timeout(self, request: httpcore.Request) -> aiohttp.ClientTimeout:
        """httpx's timeouts as aiohttp's: waiting for a connection (pool + connect), connecting,
        and each read; one object per distinct set (a client has one or two)."""
        import aiohttp  # imported by _open already

        given = request.extensions.get("timeout", {})
        key = (given.get("pool"), given.get("connect"), given.get("read"))
        timeout = self._timeouts.get(key)
        if timeout is None:
            pool, connect, read = key
            timeout = self._timeouts[key] = aiohttp.ClientTimeout(
                total=None,
                connect=None if pool is None or connect is None else pool + connect,
                sock_connect=connect,
                sock_read=read,
            )
        return timeout

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        import aiohttp  # deferred: see the module docstring
        from yarl import URL  # aiohttp's

        if self._session is None:
            self._session = self._open()
        url = request.url
        if url.scheme not in (b"http", b"https"):
            raise httpcore.UnsupportedProtocol(f"Request URL has an unsupported protocol '{url.scheme!r}'.")
        body = await _read(request.stream)
        target = URL(bytes(url).decode("ascii"), encoded=True)
        try:
            # aiohttp writes header values as UTF-8: values that are UTF-8 leave as they came.
            headers = [
                (name.decode("latin-1"), value.decode("utf-8"))
                for name, value in request.headers
                if name.lower() != b"transfer-encoding"  # the body is whole: aiohttp sends its length
            ]
        except UnicodeDecodeError as exc:
            raise httpcore.LocalProtocolError("a header value is not UTF-8") from exc
        try:
            async with self._session.request(
                request.method.decode("ascii"),
                target,
                headers=headers,
                data=body or None,
                allow_redirects=False,
                timeout=self._timeout(request),
            ) as response:
                content = await response.read()
                return httpcore.Response(
                    status=response.status,
                    headers=list(response.raw_headers),
                    content=content,
                    extensions={
                        "http_version": b"HTTP/1.1",
                        "reason_phrase": (response.reason or "").encode("latin-1", "replace"),
                    },
                )
        except aiohttp.ConnectionTimeoutError as exc:
            raise httpcore.ConnectTimeout(str(exc) or "connecting timed out") from exc
        except (aiohttp.SocketTimeoutError, TimeoutError) as exc:
            raise httpcore.ReadTimeout(str(exc) or "reading timed out") from exc
        except aiohttp.ClientConnectorError as exc:
            raise httpcore.ConnectError(str(exc)) from exc
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError) as exc:
            raise httpcore.RemoteProtocolError(str(exc) or "server disconnected") from exc
        except aiohttp.ClientResponseError as exc:  # not HTTP
            raise httpcore.RemoteProtocolError(str(exc)) from exc
        except aiohttp.ClientOSError as exc:
            raise httpcore.ReadError(str(exc)) from exc
        except aiohttp.ClientError as exc:
            raise httpcore.NetworkError(str(exc)) from exc

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


async def _read(stream: AsyncIterable[bytes] | object) -> bytes:
    assert isinstance(stream, AsyncIterable)
    return b"".join([chunk async for chunk in stream])


def pooled_transport(
    *, limits: httpx.Limits = httpx.Limits(), verify: ssl.SSLContext | None = None
) -> httpx.AsyncHTTPTransport:
    """httpx's transport with `limits` (httpx's own by default), sending on AiohttpPool."""
    transport = httpx.AsyncHTTPTransport(limits=limits, verify=verify if verify is not None else True)
    transport._pool = AiohttpPool(limits=limits, ssl_context=verify)  # type: ignore[assignment]
    return transport
