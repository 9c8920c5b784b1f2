"""The HTTP client that forwards requests: kept-alive HTTP/1.1 connections to each instance,
answers parsed by httptools (llhttp, the parser uvicorn reads requests with).

Why not a general client: a forward is one request whose headers are already checked and whose
answer is read whole, and a general client's per-request machinery (its request and response
objects, header mappings, URL parsing, cookie and redirect hooks) was most of the gateway's own
cost. Measured in front of the same services at 2,000 `/auth/me` a second, the gateway spent
~370 µs of CPU per forward through aiohttp's client and ~280 µs through this one
(api-gateway/README.md, Performance). llhttp does the parsing; this file only frames the request,
keeps connections and maps failures.

It adds nothing and changes nothing: the request line carries the target exactly as the client
wrote it, `host` names the instance, and every header value goes byte for byte as given (the
caller has already dropped hop-by-hop headers and refused control characters). A request is
never sent twice: when a kept-alive connection dies under it, that is the caller's 503. Idle
connections are let go before a service's server would close them (uvicorn keeps them 5 s).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from typing import cast
from urllib.parse import urlsplit

import httptools

from domain.forwarding import Header
from shared.errors import ProblemError

_KEEPALIVE_SECONDS = 4.0


class ForwardingError(Exception):
    """A forward that got no HTTP answer."""


class NotConnected(ForwardingError):
    """No connection could be made (refused, unresolvable, TLS refused, connect timeout): not one
    byte of the request left, so another instance may be asked."""


class ConnectionLost(ForwardingError):
    """The connection closed before the whole answer arrived: the service may have acted."""


class NotHttp(ForwardingError):
    """The bytes that came back are not an HTTP/1.1 answer."""


Answer = tuple[int, list[Header], bytes]


class _Connection(asyncio.Protocol):
    """One connection to one instance, carrying one exchange at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._parser = httptools.HttpResponseParser(self)
        self._answer: asyncio.Future[Answer] | None = None
        self._headers: list[Header] = []
        self._body: list[bytes] = []
        self._head_only = False
        self._headers_done = False
        self._framed = False  # the answer says where its body ends (length or chunks)
        self._keep_alive = False  # read when the answer ends: the parser forgets it after

    def exchange(self, request: bytes, *, head_only: bool) -> asyncio.Future[Answer]:
        assert self.transport is not None
        assert self._answer is None
        self._headers, self._body = [], []
        self._head_only, self._headers_done, self._framed = head_only, False, False
        self._keep_alive = False
        answer = self._answer = asyncio.get_running_loop().create_future()
        try:
            self.transport.write(request)
        except (OSError, RuntimeError) as exc:  # closed under us since it was taken
            self._finish(error=ConnectionLost(repr(exc)))
        return answer

    @property
    def open(self) -> bool:
        return not self.closed and self.transport is not None and not self.transport.is_closing()

    @property
    def reusable(self) -> bool:
        return self.open and self._answer is None and self._keep_alive

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement asyncio.Transport without deriving from it.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self._answer is None:  # nothing asked: a late answer to a cancelled forward, or noise
            self.close()
            return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._finish(error=NotHttp(str(exc)))
            self.close()

    def eof_received(self) -> bool:
        return False  # close the transport: no request goes out on a half-closed connection

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._headers_done and not self._framed and not self._head_only:
            self._finish()  # an answer without a length ends where the connection does
        else:
            self._finish(error=ConnectionLost("the connection closed before the whole answer"))

    # httptools callbacks
    def on_message_begin(self) -> None:
        if self._answer is None:  # a second answer to one request: the connection is not to be trusted
            self._keep_alive = False
            self.close()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))
        lowered = name.lower()
        if lowered == b"content-length" or (lowered == b"transfer-encoding" and b"chunked" in value.lower()):
            self._framed = True

    def on_headers_complete(self) -> None:
        if 100 <= self._parser.get_status_code() < 200:
            return  # an interim answer (103 Early Hints): the final one follows
        self._headers_done = True
        if self._head_only:
            # The parser cannot know the request was HEAD and would wait for the body that the
            # length announces: the answer ends here, and so does the connection.
            self._finish()
            self.close()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        if not self._headers_done:  # the end of an interim answer
            self._headers, self._body, self._framed = [], [], False
            return
        self._keep_alive = self._parser.should_keep_alive()
        self._finish()

    def _finish(self, *, error: ForwardingError | None = None) -> None:
        answer, self._answer = self._answer, None
        if answer is None or answer.done():
            return
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result((self._parser.get_status_code(), self._headers, b"".join(self._body)))
        self._headers, self._body = [], []  # what was handed over is the caller's


class _Instance:
    """The connections to one instance: idle ones kept newest first, at most `limit` open."""

    def __init__(self, base: str, limit: int, tls: ssl.SSLContext | None) -> None:
        parts = urlsplit(base)
        self.host = parts.hostname or ""
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.host_header = b"host: " + parts.netloc.encode("idna") + b"\r\n"
        self.tls = tls if parts.scheme == "https" else None
        self.idle: list[_Connection] = []
        self.slots = asyncio.Semaphore(limit)

    def take_idle(self) -> _Connection | None:
        now = time.monotonic()
        while self.idle:
            connection = self.idle.pop()
            if connection.open and now - connection.idle_since < _KEEPALIVE_SECONDS:
                return connection
            connection.close()
        return None


class ForwardingClient:
    def __init__(
        self, *, connect_timeout: float, connections_per_instance: int, tls: ssl.SSLContext | None = None
    ) -> None:
        self._connect_timeout = connect_timeout
        self._limit = connections_per_instance
        self._tls = tls
        self._instances: dict[str, _Instance] = {}

    async def exchange(
        self, base: str, method: str, target: str, headers: list[Header], body: bytes
    ) -> Answer:
        """One request to `base` + `target`, its whole answer read: status, headers as the
        service sent them, the undecoded body. Raises a `ForwardingError`."""
        instance = self._instances.get(base)
        if instance is None:
            instance = self._instances[base] = _Instance(base, self._limit, self._tls)
        request = b"".join(
            [
                f"{method} {target} HTTP/1.1\r\n".encode("latin-1"),
                instance.host_header,
                *(b"%s: %s\r\n" % header for header in headers),
                b"\r\n",
                body,
            ]
        )
        async with instance.slots:
            connection = instance.take_idle() or await self._connect(instance)
            try:
                answer = await connection.exchange(request, head_only=method == "HEAD")
            except BaseException:
                connection.close()  # cancelled or failed mid-answer: the connection is done
                raise
            if connection.reusable:
                connection.idle_since = time.monotonic()
                instance.idle.append(connection)
            else:
                connection.close()
            return answer

    async def _connect(self, instance: _Instance) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._connect_timeout):
                _, connection = await loop.create_connection(
                    _Connection,
                    instance.host,
                    instance.port,
                    ssl=instance.tls,
                    server_hostname=instance.host if instance.tls else None,
                )
        except (OSError, TimeoutError) as exc:
            raise NotConnected(f"{instance.host}:{instance.port}: {exc!r}") from exc
        return connection

    async def aclose(self) -> None:
        for instance in self._instances.values():
            while instance.idle:
                instance.idle.pop().close()


def client_problem(service: str, exc: ForwardingError) -> ProblemError:
    """A forward's failure as the problem a caller should see, as shared.http.upstream_problem
    maps httpx's: 503 unreachable or gone mid-answer, 502 not HTTP."""
    if isinstance(exc, NotHttp):
        return ProblemError(502, "bad-gateway", f"{service} sent an invalid response.")
    return ProblemError(503, "upstream-unavailable", f"{service} is unavailable.")
