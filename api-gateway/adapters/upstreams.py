"""The services behind the gateway: the forwarding of one request, and one httpx client per
service for the gateway's own calls (token checks, readiness, the platform docs).

A service may run as several instances (`<NAME>_SERVICE_URL` lists them): requests take the
instances in turn (adapters/replicas.py), each instance with its own connections.

Forwarding goes through aiohttp's client (adapters/forwarding_client.py), the cheaper of the two
by measurement. Two kinds of request take the instance's httpx pool instead: those whose header
values are not UTF-8 (aiohttp could not send them byte for byte), and every request to an
instance reached through a transport handed in (the tests' in-process services). That pool is
used directly rather than through `AsyncClient.send`, which would keep a cookie jar shared by
every caller, add its own default headers and merge URLs and headers on every call.

Both bodies are read whole (the request's is capped by the body-limit middleware), so a caller
that disconnects can never pin an upstream connection, and the upstream response is closed on
every path out, cancellation included.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Mapping, Sequence

import aiohttp
import httpx

from adapters.forwarding_client import ForwardingClient, client_problem, text_headers
from adapters.replicas import Instance, Replicas, SpreadTransport, instance
from domain.forwarding import Header
from domain.ports import UpstreamReply
from shared.errors import ProblemError
from shared.http import make_client, tls_context, upstream_problem

# The connect phase gets its own, shorter bound: a service that is down should fail fast.
_CONNECT_TIMEOUT_SECONDS = 2.0
_MAX_CONNECTIONS_PER_INSTANCE = 256
_POOL_SHARDS = 8
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
        for name, instances in urls.items():
            members = []
            for url in instances:
                handed = transports.get(url) or transports.get(name)
                member = instance(url, handed or ShardedPool(_MAX_CONNECTIONS_PER_INSTANCE, _POOL_SHARDS))
                if handed is not None:
                    self._handed_in.add(member.base)
                members.append(member)
            self._replicas[name] = Replicas(members)
        self._forwarding = ForwardingClient(
            connect_timeout=connect_timeout,
            connections_per_instance=_MAX_CONNECTIONS_PER_INSTANCE,
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
            # both clients then send the same header.
            headers = [*headers, (b"content-length", str(len(body)).encode())]
        as_text = text_headers(headers)

        async def exchange(chosen: Instance) -> UpstreamReply:
            if as_text is not None and chosen.base not in self._handed_in:
                status, reply_headers, reply_body = await self._forwarding.exchange(
                    chosen.base, method, target, as_text, body
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
        except aiohttp.ClientError as exc:  # its timeouts too, before they count as TimeoutError
            raise client_problem(label, exc) from exc
        except TimeoutError as exc:
            raise ProblemError(504, "upstream-timeout", f"{label} did not answer in time.") from exc
        except httpx.HTTPError as exc:
            problem = upstream_problem(label, exc)
            raise problem or ProblemError(502, "bad-gateway", f"{label} sent an invalid response.") from exc
        return reply

    async def aclose(self) -> None:
        await asyncio.gather(
            self._forwarding.aclose(), *(client.aclose() for client in self._clients.values())
        )


class ShardedPool(httpx.AsyncBaseTransport):
    """One service's connections, spread over a few independent httpcore pools in turn.

    httpcore's pool re-examines every connection it holds (with a quadratic idle count and a
    readability poll per idle socket) each time a request starts or ends, so one pool of 32
    busy keep-alive connections spends more CPU on bookkeeping than on HTTP. Eight pools of a
    few connections each keep that scan short; requests still reuse warm connections.
    """

    def __init__(self, max_connections: int, shards: int) -> None:
        per_shard = max(1, max_connections // shards)
        limits = httpx.Limits(max_connections=per_shard, max_keepalive_connections=per_shard)
        # One TLS context for all of them (httpx would load the CA bundle into each pool's own).
        self._shards = [httpx.AsyncHTTPTransport(limits=limits, verify=tls_context()) for _ in range(shards)]
        self._next = itertools.cycle(self._shards)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await next(self._next).handle_async_request(request)

    async def aclose(self) -> None:
        await asyncio.gather(*(shard.aclose() for shard in self._shards))
