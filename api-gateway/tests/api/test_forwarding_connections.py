"""The forwarding client's connections (adapters/forwarding_client.py), against raw servers
that write answers byte by byte: kept-alive connections are reused, and each way an HTTP/1.1
answer may be framed reaches the caller whole."""

from __future__ import annotations

import asyncio

import httpx

from tests.api.test_forwarding_over_sockets import _settings, raw_server
from tests.conftest import GatewayFactory, Platform


class Answers:
    """A raw server's handler: each connection answers its requests in turn with `answers`
    (bytes written as they are), until they run out; counts connections and requests."""

    def __init__(self, *answers: bytes, close_after: bool = False) -> None:
        self.answers = list(answers)
        self.close_after = close_after
        self.connections = 0
        self.requests: list[bytes] = []
        self.url = ""

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while self.answers:
                self.requests.append(await reader.readuntil(b"\r\n\r\n"))
                writer.write(self.answers.pop(0))
                await writer.drain()
                if self.close_after:
                    break
        except asyncio.IncompleteReadError:
            pass  # the gateway let the connection go
        finally:
            writer.close()


async def forwarded(
    server: Answers, start_gateway: GatewayFactory, *calls: tuple[str, str], **headers: str
) -> list[httpx.Response]:
    """Each call (method, path) through a gateway whose flights-service is `server`, in turn."""
    async with (
        raw_server(server) as server.url,
        start_gateway(_settings(FLIGHTS_SERVICE_URL=server.url), transports={}) as gateway,
    ):
        return [
            await asyncio.wait_for(gateway.request(method, path, headers=headers), 5)
            for method, path in calls
        ]


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}"
SEARCH = ("GET", "/flights/search")


async def test_a_kept_alive_connection_carries_the_next_request(
    platform: Platform, start_gateway: GatewayFactory
) -> None:
    server = Answers(OK, OK, OK)
    calls = [("GET", f"/flights/search?n={n}") for n in range(3)]
    answers = await forwarded(server, start_gateway, *calls)
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert server.connections == 1
    targets = [r.split(b" ")[1] for r in server.requests]
    assert targets == [b"/flights/search?n=0", b"/flights/search?n=1", b"/flights/search?n=2"]


async def test_the_request_names_the_instance_as_host_and_adds_nothing_else(
    platform: Platform, start_gateway: GatewayFactory
) -> None:
    server = Answers(OK)
    await forwarded(server, start_gateway, SEARCH, **{"X-Request-ID": "r-1"})
    head = server.requests[0].decode("latin-1").split("\r\n")
    assert head[0] == "GET /flights/search HTTP/1.1"
    assert f"host: {server.url.removeprefix('http://')}" in head
    assert "x-request-id: r-1" in head
    names = sorted(line.split(":", 1)[0] for line in head[1:] if line)
    # The caller's (httpx's) headers and the gateway's X-Forwarded-*; no Connection, no length.
    assert names == [
        "accept",
        "accept-encoding",
        "host",
        "user-agent",
        "x-forwarded-for",
        "x-forwarded-host",
        "x-forwarded-proto",
        "x-request-id",
    ]


async def test_a_chunked_answer_passes_back_whole(platform: Platform, start_gateway: GatewayFactory) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
        b'6\r\n{"a": \r\n2\r\n1}\r\n0\r\n\r\n'
    )
    server = Answers(chunked, OK)
    first, second = await forwarded(server, start_gateway, SEARCH, SEARCH)
    assert (first.status_code, first.json()) == (200, {"a": 1})
    assert first.headers["content-length"] == "8"
    assert "transfer-encoding" not in first.headers
    assert second.status_code == 200
    assert server.connections == 1


async def test_an_interim_answer_is_passed_over(platform: Platform, start_gateway: GatewayFactory) -> None:
    early_hints = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" + OK
    (answer,) = await forwarded(Answers(early_hints), start_gateway, SEARCH)
    assert (answer.status_code, answer.json()) == (200, {})
    assert "link" not in answer.headers


async def test_an_answer_without_a_length_ends_with_its_connection(
    platform: Platform, start_gateway: GatewayFactory
) -> None:
    unframed = (
        b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{"until": "close"}'
    )
    server = Answers(unframed, OK, close_after=True)
    first, second = await forwarded(server, start_gateway, SEARCH, SEARCH)
    assert (first.status_code, first.json()) == (200, {"until": "close"})
    assert second.status_code == 200
    assert server.connections == 2  # the closed connection was not used again


async def test_a_head_answer_ends_at_its_headers(platform: Platform, start_gateway: GatewayFactory) -> None:
    head_answer = b"HTTP/1.1 200 OK\r\nContent-Length: 27000\r\nContent-Type: application/json\r\n\r\n"
    server = Answers(head_answer, OK)
    head, after = await forwarded(server, start_gateway, ("HEAD", "/flights/search"), SEARCH)
    assert (head.status_code, head.headers["content-length"], head.content) == (200, "27000", b"")
    assert after.status_code == 200
    assert server.requests[0].startswith(b"HEAD /flights/search HTTP/1.1\r\n")


async def test_an_answer_cut_short_is_503_and_its_connection_is_not_reused(
    platform: Platform, start_gateway: GatewayFactory
) -> None:
    cut_short = b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"half'
    server = Answers(cut_short, OK, close_after=True)
    first, second = await forwarded(server, start_gateway, SEARCH, SEARCH)
    assert first.status_code == 503
    assert first.json()["detail"] == "flights-service is unavailable."
    assert second.status_code == 200
    assert server.connections == 2


async def test_a_second_answer_to_one_request_closes_the_connection(
    platform: Platform, start_gateway: GatewayFactory
) -> None:
    two_answers = OK + b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Smuggled: yes\r\n\r\n[]"
    server = Answers(two_answers, OK)
    first, second = await forwarded(server, start_gateway, SEARCH, SEARCH)
    assert (first.status_code, first.json()) == (200, {})
    assert "x-smuggled" not in first.headers
    assert (second.status_code, second.json()) == (200, {})  # its own answer, on a new connection
    assert server.connections == 2
