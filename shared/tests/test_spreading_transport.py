"""A client given several instances of one service: round robin, failover only when no
connection was made, and never a request sent twice."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator

import httpx
import pytest

from shared.http import SpreadingTransport, make_client

A = "http://10.0.0.5:8003"
B = "http://10.0.0.6:8003"


class Instances(httpx.AsyncBaseTransport):
    """Answers as each instance would; the `down` ones refuse connections, the `drops` ones take
    the request and lose the connection before answering."""

    def __init__(self, *, down: set[str] = frozenset(), drops: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        self.down = set(down)
        self.drops = set(drops)
        self.received: list[httpx.Request] = []
        self.refused: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        origin = f"{request.url.scheme}://{request.url.netloc.decode()}"
        if origin in self.down:
            self.refused.append(origin)
            raise httpx.ConnectError("connection refused", request=request)
        self.received.append(request)
        if origin in self.drops:
            raise httpx.RemoteProtocolError("server disconnected without a response", request=request)
        return httpx.Response(200, json={"served_by": origin, "body": (await request.aread()).decode()})


async def test_requests_take_turns_over_the_instances() -> None:
    instances = Instances()
    async with make_client(f"{A},{B}", transport=instances) as client:
        served = [(await client.get("/readyz")).json()["served_by"] for _ in range(4)]
    assert served == [A, B, A, B]
    assert {r.headers["host"] for r in instances.received} == {"10.0.0.5:8003", "10.0.0.6:8003"}


async def test_a_refused_connection_moves_the_request_to_the_next_instance() -> None:
    instances = Instances(down={A})
    async with make_client(f"{A},{B}", transport=instances) as client:
        response = await client.post("/webhooks/payment", content=b'{"event_id": "e-1"}')
    assert response.json() == {"served_by": B, "body": '{"event_id": "e-1"}'}
    assert instances.refused == [A]
    assert [str(r.url) for r in instances.received] == [f"{B}/webhooks/payment"]


async def test_an_instance_that_refused_is_tried_last_for_a_while() -> None:
    now = [100.0]
    instances = Instances(down={A})
    transport = SpreadingTransport([A, B], instances, clock=lambda: now[0])
    async with httpx.AsyncClient(base_url=A, transport=transport) as client:
        for _ in range(4):
            assert (await client.get("/readyz")).json()["served_by"] == B
        assert instances.refused == [A]  # only the first request paid for the dead instance
        now[0] += 6.0
        instances.down.clear()
        served = {(await client.get("/readyz")).json()["served_by"] for _ in range(2)}
    assert served == {A, B}


async def test_a_request_that_reached_an_instance_is_never_sent_again() -> None:
    instances = Instances(drops={A})
    async with make_client(f"{A},{B}", transport=instances) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            await client.post("/internal/refunds", json={"refund_key": "r-1"})
    assert [str(r.url) for r in instances.received] == [f"{A}/internal/refunds"]


async def test_every_instance_refusing_raises_the_connect_error() -> None:
    instances = Instances(down={A, B})
    async with make_client(f"{A},{B}", transport=instances) as client:
        with pytest.raises(httpx.ConnectError):
            await client.get("/readyz")
    assert sorted(instances.refused) == [A, B]


async def test_full_urls_written_against_an_instance_are_spread_and_others_pass_through() -> None:
    instances = Instances()
    async with make_client(f"{A},{B}", transport=instances) as client:
        first = await client.get(f"{A}/auth/.well-known/jwks.json")
        second = await client.get(f"{A}/auth/.well-known/jwks.json")
        elsewhere = await client.get("http://10.0.0.9:9000/x")
    assert [first.json()["served_by"], second.json()["served_by"]] == [A, B]
    assert elsewhere.json()["served_by"] == "http://10.0.0.9:9000"


async def test_one_url_sends_everything_to_that_instance() -> None:
    instances = Instances()
    async with make_client(A, transport=instances) as client:
        served = {(await client.get("/readyz")).json()["served_by"] for _ in range(3)}
    assert served == {A}


# Real sockets: a closed port refuses, a live server counts what it received.


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def live_server() -> AsyncIterator[tuple[str, list[bytes]]]:
    received: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":")[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length")
            ),
            0,
        )
        received.append(head + await reader.readexactly(length))
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield f"http://127.0.0.1:{port}", received


async def test_with_real_sockets_a_dead_instance_costs_nothing_but_a_refused_connect(
    live_server: tuple[str, list[bytes]],
) -> None:
    live, received = live_server
    dead = f"http://127.0.0.1:{_closed_port()}"
    async with make_client(f"{dead},{live}") as client:
        answers = [await client.post("/webhooks/payment", content=f"event-{n}") for n in range(3)]
    assert [a.text for a in answers] == ["ok", "ok", "ok"]
    assert [r.split(b"\r\n\r\n")[1] for r in received] == [b"event-0", b"event-1", b"event-2"]
    assert all(f"host: {live.removeprefix('http://')}".encode() in r.lower() for r in received)
