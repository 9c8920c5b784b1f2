"""The instances of one service behind the gateway, taken in turn (round-robin).

When an instance cannot be connected to, the same request goes to the next one: a refused or
timed-out connection means not one byte of the request left the gateway, so sending it again
cannot do anything twice. Any failure after the connection is made (a reset, a dead keep-alive
connection, a timeout while waiting for the answer) is never retried here: the service may
already have acted on the request. An instance that refused a connection goes to the back of
the line for a short while, so the requests after it do not pay for the same failure.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import httpx

from adapters.forwarding_client import NotConnected

# How long an instance that could not be connected to is tried only after the others.
SET_ASIDE_SECONDS = 2.0
# Failures that happen before any byte of the request is written: no connection could be made
# (refused, unresolvable, TLS refused), or none within the connect timeout.
NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    NotConnected,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Instance:
    base: str  # scheme://host[:port][/prefix], as str(httpx.URL) writes it, no trailing slash
    origin: bytes  # scheme://host[:port], as the instance would write it in a Location header
    transport: httpx.AsyncBaseTransport


def instance(url: str, transport: httpx.AsyncBaseTransport) -> Instance:
    parsed = httpx.URL(url)  # drops a default port, as a server writing Location would
    return Instance(str(parsed).rstrip("/"), parsed.raw_scheme + b"://" + parsed.netloc, transport)


class Replicas:
    def __init__(self, instances: Sequence[Instance], *, clock: Callable[[], float] = time.monotonic) -> None:
        if not instances:
            raise ValueError("a service needs at least one instance")
        self.instances = tuple(instances)
        self._turn = itertools.cycle(range(len(self.instances)))
        self._set_aside_until = [float("-inf")] * len(self.instances)
        self._clock = clock

    def _order(self) -> list[int]:
        """Every instance once, starting with the next in turn; set-aside ones last."""
        count = len(self.instances)
        if count == 1:
            return [0]
        start = next(self._turn)
        order = [(start + offset) % count for offset in range(count)]
        now = self._clock()
        return sorted(order, key=lambda index: self._set_aside_until[index] > now)

    async def call(self, exchange: Callable[[Instance], Awaitable[T]]) -> tuple[Instance, T]:
        """Runs `exchange` (one request to one instance) with the instance whose turn it is; when
        it fails before sending (NOT_SENT), with the next. The last such failure is raised when
        no instance could be reached."""
        failure: Exception | None = None
        for index in self._order():
            chosen = self.instances[index]
            try:
                return chosen, await exchange(chosen)
            except NOT_SENT as exc:
                self._set_aside_until[index] = self._clock() + SET_ASIDE_SECONDS
                failure = exc
        assert failure is not None  # at least one instance was tried
        raise failure

    async def send(self, build: Callable[[Instance], httpx.Request]) -> tuple[Instance, httpx.Response]:
        """`call` for an httpx request that `build` makes for an instance, through its transport."""

        async def exchange(chosen: Instance) -> httpx.Response:
            return await chosen.transport.handle_async_request(build(chosen))

        return await self.call(exchange)

    async def aclose(self) -> None:
        for each in self.instances:
            await each.transport.aclose()


class SpreadTransport(httpx.AsyncBaseTransport):
    """What an httpx client of the service sends through: a request addressed to the first
    instance's base URL goes to the instance whose turn it is (the same path under that
    instance's base). A request for any other address (a JWT_JWKS_URL elsewhere) goes as it is."""

    def __init__(self, replicas: Replicas) -> None:
        self._replicas = replicas
        self._first = replicas.instances[0]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        rest = url[len(self._first.base) :]
        if not url.startswith(self._first.base) or rest[:1] not in ("", "/", "?"):
            return await self._first.transport.handle_async_request(request)

        def build(chosen: Instance) -> httpx.Request:
            if chosen is self._first:
                return request
            url = httpx.URL(chosen.base + rest)
            # httpx writes no Host of its own for a request built with a stream: name the
            # chosen instance's, or the HTTP/1.1 request would be refused before it is sent.
            headers = [(name, value) for name, value in request.headers.raw if name.lower() != b"host"]
            headers.insert(0, (b"host", url.netloc))
            return httpx.Request(
                request.method,
                url,
                headers=headers,
                stream=request.stream,
                extensions=request.extensions,
            )

        _, response = await self._replicas.send(build)
        return response

    async def aclose(self) -> None:
        await self._replicas.aclose()
