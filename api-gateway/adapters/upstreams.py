"""The services behind the gateway: the forwarding of one request, and one httpx client per
service for the gateway's own calls (token checks, readiness, the platform docs).

A service may run as several instances (`<NAME>_SERVICE_URL` lists them): requests take the
instances in turn (adapters/replicas.py), each instance with its own connections.

Forwarding goes over the gateway's own kept-alive connections (adapters/forwarding_client.py),
header values byte for byte. A request to an instance reached through a transport handed in (the
tests' in-process services) goes on that transport instead. It is used directly rather than
through `AsyncClient.send`, which would keep a cookie jar shared by every caller, add its own
default headers and merge URLs and headers on every call.

The gateway's own calls (account states, keys, readiness) go through the service's httpx client,
on the pool every service's client uses (shared/http_pool.py, aiohttp's connector).

Both bodies are read whole (the request's is capped by the body-limit middleware), so a caller
that disconnects can never pin an upstream connection, and the upstream connection is closed on
every path out that leaves it mid-answer, cancellation included.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import httpx

from adapters.forwarding_client import ForwardingClient, ForwardingError, client_problem
from adapters.replicas import Instance, Replicas, SpreadTransport, instance
from domain.forwarding import Header
from domain.ports import UpstreamReply
from shared.errors import ProblemError
from shared.http import make_client, tls_context, upstream_problem
from shared.http_pool import pooled_transport

# The connect phase gets its own, shorter bound: a service that is down should fail fast.
_CONNECT_TIMEOUT_SECONDS = 2.0
_MAX_CONNECTIONS_PER_INSTANCE = 256
# Methods whose requests carry no content unless they say so (RFC 9110 §8.6).
_NO_CONTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class Upstreams:
    """`urls` maps each service to its instances' base URLs. `transports` (tests) maps a service
    name, or one instance's base URL, to the transport to reach it through."""

    def __init__(
        self,
        urls: Mapping[str, tuple[str, ...]],
        *,
        timeout: float,
        transports: Mapping[str, httpx.AsyncBaseTransport] | None = None,
    ) -> None:
        transports = transports or {}
        known = set(urls) | {url for instances in urls.values() for url in instances}
        unknown = set(transports) - known
        if unknown:
            raise ValueError(f"transports for unknown services: {sorted(unknown)}")
        self.timeout = timeout
        connect_timeout = min(timeout, _CONNECT_TIMEOUT_SECONDS)
        self._timeout_extension = httpx.Timeout(timeout, connect=connect_timeout).as_dict()
        self._replicas: dict[str, Replicas] = {}
        # Instances reached through a handed-in transport are forwarded to through it, too.
        self._handed_in: set[str] = set()
        # Idle connections dropped after 3 s, before the service's server closes them (5 s), as
        # every service's client does (shared/http.py).
        limits = httpx.Limits(
            max_connections=_MAX_CONNECTIONS_PER_INSTANCE,
            max_keepalive_connections=_MAX_CONNECTIONS_PER_INSTANCE,
            keepalive_expiry=3.0,
        )
        for name, instances in urls.items():
            members = []
            for url in instances:
                handed = transports.get(url) or transports.get(name)
                member = instance(url, handed or pooled_transport(limits=limits, verify=tls_context()))
                if handed is not None:
                    self._handed_in.add(member.base)
                members.append(member)
            self._replicas[name] = Replicas(members)
        encrypted = any(url.startswith("https:") for instances in urls.values() for url in instances)
        self._forwarding = ForwardingClient(
            connect_timeout=connect_timeout,
            connections_per_instance=_MAX_CONNECTIONS_PER_INSTANCE,
            tls=tls_context() if encrypted else None,
        )
        self._clients = {
            name: make_client(
                replicas.instances[0].base,
                timeout=timeout,
                connect_timeout=connect_timeout,
                transport=SpreadTransport(replicas),
            )
            for name, replicas in self._replicas.items()
        }

    @property
    def names(self) -> Sequence[str]:
        return tuple(self._clients)

    def client(self, service: str) -> httpx.AsyncClient:
        """The service's client for the gateway's own calls; it spreads them like forwarding."""
        return self._clients[service]

    async def forward(
        self, service: str, method: str, target: str, headers: list[Header], body: bytes
    ) -> UpstreamReply:
        """Sends one request (`target` is the raw path and query) and reads the whole answer.

        504 when the exchange outlasts the timeout, 503 when the service cannot be reached,
        502 when it answers with something that is not HTTP.
        """
        label = f"{service}-service"
        if body or method not in _NO_CONTENT_METHODS:
            # The length of the body actually sent, zero included where content is expected:
            # both paths then send the same header.
            headers = [*headers, (b"content-length", str(len(body)).encode())]

        async def exchange(chosen: Instance) -> UpstreamReply:
            if chosen.base not in self._handed_in:
                status, reply_headers, reply_body = await self._forwarding.exchange(
                    chosen.base, method, target, headers, body
                )
                return UpstreamReply(status, reply_headers, reply_body, chosen.origin)
            request = httpx.Request(
                method,
                chosen.base + target,
                headers=headers,
                content=body,
                extensions={"timeout": self._timeout_extension},
            )
            response = await chosen.transport.handle_async_request(request)
            try:
                chunks = [chunk async for chunk in response.aiter_raw()]
            finally:
                await response.aclose()
            return UpstreamReply(response.status_code, response.headers.raw, b"".join(chunks), chosen.origin)

        try:
            # One deadline for the whole exchange: the clients' own timeouts bound each phase, and
            # a service that trickles bytes could otherwise outlast them.
            async with asyncio.timeout(self.timeout):
                _, reply = await self._replicas[service].call(exchange)
        except ForwardingError as exc:
            raise client_problem(label, exc) from exc
        except TimeoutError as exc:
            raise ProblemError(504, "upstream-timeout", f"{label} did not answer in time.") from exc
        except httpx.HTTPError as exc:
            problem = upstream_problem(label, exc)
            raise problem or ProblemError(502, "bad-gateway", f"{label} sent an invalid response.") from exc
        return reply

    async def aclose(self) -> None:
        await asyncio.gather(
            self._forwarding.aclose(),
            *(client.aclose() for client in self._clients.values()),
        )
