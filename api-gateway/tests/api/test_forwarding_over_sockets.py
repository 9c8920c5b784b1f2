"""Forwarding over real connections, as in production (adapters/forwarding_client.py): the stub
services listen on local ports under uvicorn. A service sees the same request, and a caller the same
answer, as through the in-process path the other tests drive; the failure cases that only a
real connection can show (a service that hangs up, one that does not speak HTTP, a request
that must not be sent twice) are here."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from tests.conftest import SERVICES, GatewayFactory, Platform, make_settings
from tests.stubs import Received, echo_service


@asynccontextmanager
async def listening(app: FastAPI) -> AsyncIterator[str]:
    """`app` under uvicorn on a free local port; yields its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def raw_server(handler: Handler) -> AsyncIterator[str]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


def _settings(**urls: str) -> Any:
    # Services a test does not call get an address nothing listens on.
    unused = {f"{name.upper()}_SERVICE_URL": "http://127.0.0.1:9" for name in SERVICES}
    return make_settings(**{**unused, **urls})


@pytest.fixture
async def flights_over_sockets(
    platform: Platform, start_gateway: GatewayFactory
) -> AsyncIterator[tuple[httpx.AsyncClient, Received]]:
    seen = Received()
    async with (
        listening(platform.auth.app) as auth_url,
        listening(echo_service("flights", seen)) as flights_url,
        start_gateway(
            _settings(AUTH_SERVICE_URL=auth_url, FLIGHTS_SERVICE_URL=flights_url), transports={}
        ) as gw,
    ):
        yield gw, seen


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/flights/search?origin=CGK&q=a%20b&q=%2F", {"headers": {"Accept-Language": "id, en;q=0.5"}}),
    ("POST", "/flights/orders/%7Eid", {"json": {"ok": True}, "headers": {"Idempotency-Key": " k-1 "}}),
    ("PUT", "/flights/orders/1", {"content": b"raw", "headers": {"Content-Type": "text/plain"}}),
    ("DELETE", "/flights/orders/1", {"headers": {"Cookie": "a=1; b=2", "X-User-Id": "forged"}}),
    ("POST", "/flights/empty-post", {}),
    ("PATCH", "/flights/orders/1", {"content": "Ünïcode".encode(), "headers": {"X-Note": "café".encode()}}),
]


def _comparable(seen: dict[str, Any]) -> dict[str, Any]:
    """What the service saw, less what names the connection it came over."""
    headers = sorted((k, v) for k, v in seen["headers"] if k != "host")
    return {**seen, "headers": headers}


async def test_a_service_sees_the_same_request_as_in_process(
    flights_over_sockets: tuple[httpx.AsyncClient, Received],
    start_gateway: GatewayFactory,
    platform: Platform,
) -> None:
    over_sockets, seen_over_sockets = flights_over_sockets
    _, auth = platform.login()
    async with start_gateway() as in_process:
        for method, url, options in REQUESTS:
            headers = {**auth, "X-Request-ID": "same-id", **options.pop("headers", {})}
            for gateway in (over_sockets, in_process):
                response = await gateway.request(method, url, headers=headers, **options)
                assert response.status_code == 200, response.text
            assert _comparable(seen_over_sockets.last) == _comparable(platform.received["flights"].last)
    assert len(seen_over_sockets.requests) == len(REQUESTS)


async def test_answers_pass_back_as_the_service_sent_them(
    flights_over_sockets: tuple[httpx.AsyncClient, Received], platform: Platform
) -> None:
    gateway, _ = flights_over_sockets
    _, auth = platform.login()
    created = await gateway.post("/flights/created", headers=auth)
    assert created.status_code == 201
    assert created.headers.get_list("set-cookie") == [
        "a=1; Path=/; SameSite=lax",
        "b=2; Path=/; SameSite=lax",
    ]
    assert created.headers["x-upstream"] == "yes"
    assert "connection" not in created.headers or created.headers["connection"] != "close"
    gzipped = await gateway.get("/flights/gzipped", headers={**auth, "Accept-Encoding": "identity"})
    assert gzipped.headers["content-encoding"] == "gzip"
    assert gzipped.json() == {"compressed": True}  # httpx undoes the gzip the service applied
    redirect = await gateway.get("/flights/redirect", headers=auth)
    assert redirect.status_code == 307
    assert redirect.headers["location"] == "/flights/elsewhere?x=1"
    empty = await gateway.delete("/flights/empty", headers=auth)
    assert (empty.status_code, empty.content) == (204, b"")
    head = await gateway.head("/flights/search", headers=auth)
    got = await gateway.get("/flights/search", headers=auth)
    assert head.status_code == 200
    assert head.content == b""
    assert int(head.headers["content-length"]) > 0
    assert got.headers["x-upstream"] == head.headers["x-upstream"] == "flights"


async def test_a_header_value_that_is_not_utf8_arrives_byte_for_byte(
    flights_over_sockets: tuple[httpx.AsyncClient, Received], platform: Platform
) -> None:
    gateway, seen = flights_over_sockets
    _, auth = platform.login()
    headers = [(k.encode(), v.encode()) for k, v in auth.items()] + [(b"X-Note", b"caf\xe9")]
    response = await gateway.get("/flights/search", headers=headers)
    assert response.status_code == 200
    assert dict(seen.last["headers"])["x-note"] == "caf\xe9"  # the stub decodes Latin-1


async def test_a_request_whose_connection_dies_is_never_sent_again(
    platform: Platform, start_gateway: GatewayFactory
) -> None:
    """The second request reuses the kept-alive connection; the service reads it and hangs up.
    An HTTP client may resend an idempotent request then; the gateway must not."""
    requests_read: list[bytes] = []

    async def answer_once_then_hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        requests_read.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}")
        await writer.drain()
        requests_read.append(await reader.readuntil(b"\r\n\r\n"))
        writer.close()

    async with (
        raw_server(answer_once_then_hang_up) as flights_url,
        start_gateway(_settings(FLIGHTS_SERVICE_URL=flights_url), transports={}) as gateway,
    ):
        first = await gateway.get("/flights/search?n=1")
        second = await gateway.get("/flights/search?n=2")
        await asyncio.sleep(0.1)
    assert first.status_code == 200
    assert second.status_code == 503
    assert second.json()["detail"] == "flights-service is unavailable."
    assert len(requests_read) == 2


async def test_a_service_that_does_not_speak_http_is_502(
    platform: Platform, start_gateway: GatewayFactory
) -> None:
    async def babble(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        await writer.drain()
        writer.close()

    async with (
        raw_server(babble) as flights_url,
        start_gateway(_settings(FLIGHTS_SERVICE_URL=flights_url), transports={}) as gateway,
    ):
        response = await gateway.get("/flights/search")
    assert response.status_code == 502
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "flights-service sent an invalid response."


async def test_a_service_too_slow_is_504_and_one_down_is_passed_over(
    platform: Platform, start_gateway: GatewayFactory
) -> None:
    seen = Received()
    refused = socket.socket()
    refused.bind(("127.0.0.1", 0))
    refused_url = f"http://127.0.0.1:{refused.getsockname()[1]}"
    try:
        async with (
            listening(platform.auth.app) as auth_url,
            listening(echo_service("flights", seen)) as flights_url,
            start_gateway(
                _settings(
                    AUTH_SERVICE_URL=auth_url,
                    FLIGHTS_SERVICE_URL=f"{refused_url},{flights_url}",
                    UPSTREAM_TIMEOUT_SECONDS="1.5",
                ),
                transports={},
            ) as gateway,
        ):
            _, auth = platform.login()
            passed_over = [
                (await gateway.post(f"/flights/orders/{n}", headers=auth)).status_code for n in range(3)
            ]
            slow = await gateway.get("/flights/slow", headers=auth)
    finally:
        refused.close()
    assert passed_over == [200, 200, 200]
    assert [r["path"] for r in seen.requests[:3]] == [
        "/flights/orders/0",
        "/flights/orders/1",
        "/flights/orders/2",
    ]
    assert slow.status_code == 504
    assert slow.json()["detail"] == "flights-service did not answer in time."


async def test_the_gateways_own_calls_reach_every_instance_of_a_service(
    platform: Platform, start_gateway: GatewayFactory
) -> None:
    """Token checks, JWKS and readiness go to auth-service's instances in turn; a call moved to
    the second instance names that instance as its Host, or HTTP/1.1 would refuse it."""
    seen = Received()
    async with (
        listening(platform.auth.app) as first_auth,
        listening(platform.auth.app) as second_auth,
        listening(echo_service("flights", seen)) as flights_url,
        start_gateway(
            _settings(AUTH_SERVICE_URL=f"{first_auth},{second_auth}", FLIGHTS_SERVICE_URL=flights_url),
            transports={},
        ) as gateway,
    ):
        _, auth = platform.login()
        answers = [(await gateway.get(f"/flights/search?n={n}", headers=auth)).status_code for n in range(4)]
        ready = [(await gateway.get("/readyz")).status_code for _ in range(4)]
    assert answers == [200, 200, 200, 200]
    assert ready == [200, 200, 200, 200]
    assert len(seen.requests) == 4
