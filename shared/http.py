"""The one way services build outbound HTTP clients: pooled, with explicit timeouts,
the current request id on every call, and transport failures mapped to 502/503/504 problems.

A base URL may name several instances of one service (`shared/upstream_urls.py`): the client
then spreads its requests over them with `SpreadingTransport`."""

from __future__ import annotations

import functools
import itertools
import math
import ssl
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import httpx

from shared.errors import ProblemError
from shared.http_pool import pooled_transport
from shared.logging import request_id_var
from shared.upstream_urls import parse_upstream_urls

# An instance that refused a connection is tried last for this long, so that a dead pod costs
# one failed connect, not one per request.
_FAILED_INSTANCE_COOLDOWN_SECONDS = 5.0
_DEFAULT_PORTS = {"http": 80, "https": 443}


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The process's one TLS context, as httpx builds it by default (certifi's roots; SSL_CERT_FILE
    and SSL_CERT_DIR honoured), for every client and pool. Left to itself httpx loads the CA
    bundle into a context of its own for each pool, about 0.8 MiB apiece, even for the plain
    HTTP calls inside the platform."""
    return httpx.create_ssl_context(trust_env=True)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme))


class SpreadingTransport(httpx.AsyncBaseTransport):
    """Spreads requests round robin over the instances of one service, as a Kubernetes Service
    would, and fails over to the next instance only when no connection could be made to the one
    picked (refused or timed out while connecting). A request that reached an instance is never
    sent again, whatever happened next: a POST is not idempotent, and the callers' own retries
    (outbox relays, jobs) carry idempotency keys that make their retries safe.

    Requests to any other origin (a full URL elsewhere) pass through unchanged.
    """

    def __init__(
        self,
        base_urls: Sequence[str],
        inner: httpx.AsyncBaseTransport,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not base_urls:
            raise ValueError("SpreadingTransport needs at least one instance")
        self._instances = [httpx.URL(url) for url in base_urls]
        self._known = {_origin(url) for url in self._instances}
        self._inner = inner
        self._clock = clock
        self._turn = itertools.count()
        self._failed_at: dict[int, float] = {}

    def _candidates(self) -> list[int]:
        count = len(self._instances)
        start = next(self._turn) % count
        ordered = [(start + step) % count for step in range(count)]
        now = self._clock()
        cooled = [
            i for i in ordered if now - self._failed_at.get(i, -math.inf) >= _FAILED_INSTANCE_COOLDOWN_SECONDS
        ]
        return cooled + [i for i in ordered if i not in cooled]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if _origin(request.url) not in self._known:
            return await self._inner.handle_async_request(request)
        failure: httpx.TransportError | None = None
        for index in self._candidates():
            try:
                response = await self._inner.handle_async_request(_moved(request, self._instances[index]))
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                # Nothing was sent: the connection never opened, so another instance may take it.
                self._failed_at[index] = self._clock()
                failure = exc
                continue
            self._failed_at.pop(index, None)
            return response
        assert failure is not None
        raise failure

    async def aclose(self) -> None:
        await self._inner.aclose()


def _moved(request: httpx.Request, instance: httpx.URL) -> httpx.Request:
    """The same request (method, path, query, headers, body) addressed to another instance."""
    url = request.url.copy_with(scheme=instance.scheme, host=instance.host, port=instance.port)
    if url == request.url:
        return request
    headers = request.headers.copy()
    headers["host"] = url.netloc.decode("ascii")
    return httpx.Request(
        request.method, url, headers=headers, stream=request.stream, extensions=request.extensions
    )


async def _propagate_request_id(request: httpx.Request) -> None:
    request_id = request_id_var.get()
    if request_id and "x-request-id" not in request.headers:
        request.headers["x-request-id"] = request_id


class _NoCookies(httpx.Cookies):
    """The client's jar: it keeps nothing, at no cost. Offered an answer, httpx would first wrap
    the answer and its request in urllib's cookie objects (~40 µs a call) for a jar whose policy
    then refused every cookie."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None

    def set_cookie_header(self, request: httpx.Request) -> None:
        return None


class _ServiceClient(httpx.AsyncClient):
    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._no_cookies = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        raise TypeError("a service's client keeps no cookies: send them per request")


def make_client(
    base_url: str = "",
    *,
    timeout: float = 5.0,
    connect_timeout: float = 2.0,
    max_connections: int = 100,
    headers: dict[str, str] | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """One client per target, created in the lifespan and closed on shutdown.

    `base_url` may list several instances of one service, comma-separated: the client is then
    based on the first and its transport (`transport`, or a pool of its own) is wrapped in a
    `SpreadingTransport` that moves each request to the instance whose turn it is. Full URLs
    written against any listed instance are spread the same way. Instances are reached
    directly: that pool reads no proxy variables (HTTP_PROXY), as befits addresses inside the
    platform.

    The client keeps no cookies: it is shared by every request a service serves, so a cookie
    one upstream answer set must never ride along on another caller's request.
    """
    # An idle connection is dropped after 3 s, before the services' server closes it (uvicorn's
    # keep-alive: 5 s): a request written on a connection the server is closing gets no answer,
    # and a POST is not sent again.
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_connections, keepalive_expiry=3.0
    )
    instances = parse_upstream_urls(base_url) if "," in base_url else ()
    # The pool on aiohttp's connector (shared/http_pool.py): about half httpcore's CPU per call.
    pool = transport or pooled_transport(limits=limits, verify=tls_context())
    if len(instances) > 1:
        transport = SpreadingTransport(instances, pool)
        base_url = instances[0]
    else:
        transport = pool
        if instances:
            base_url = instances[0]
    return _ServiceClient(
        base_url=base_url,
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        limits=limits,
        verify=tls_context(),
        headers=headers,
        event_hooks={"request": [_propagate_request_id]},
        transport=transport,
    )


@asynccontextmanager
async def upstream_errors(service: str) -> AsyncIterator[None]:
    """Turns transport failures into the problem a caller should see: 503 unreachable, 504 too
    slow, 502 not HTTP (docs/architecture.md, HTTP conventions)."""
    try:
        yield
    except httpx.HTTPError as exc:
        problem = upstream_problem(service, exc)
        if problem is None:
            raise
        raise problem from exc


def upstream_problem(service: str, exc: httpx.HTTPError) -> ProblemError | None:
    """`upstream_errors` as a function, for a hot path that catches the failure itself (a
    generator-based context manager costs a few microseconds per use); None: not a transport
    failure."""
    if isinstance(exc, httpx.TimeoutException):
        return ProblemError(504, "upstream-timeout", f"{service} did not answer in time.")
    if isinstance(exc, (httpx.ConnectError, httpx.RemoteProtocolError, httpx.NetworkError)):
        return ProblemError(503, "upstream-unavailable", f"{service} is unavailable.")
    return None
