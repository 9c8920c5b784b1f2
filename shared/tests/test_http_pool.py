"""make_client's pool (shared/http_pool.py) over real sockets: requests and answers go through
unchanged, a connection is kept between requests and one the server closed while idle is replaced,
nothing is sent twice, and every failure arrives as the httpx exception httpcore's pool raised."""

from __future__ import annotations

import asyncio
import gzip
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest

from shared.http import make_client
from shared.http_pool import AiohttpPool

# A handler gets one request's head and body and answers on the writer, or returns False to hang up.
Handler = Callable[[bytes, bytes, asyncio.StreamWriter], Awaitable[bool]]


def _answer(body: bytes = b"{}", extra: bytes = b"") -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\ncontent-length: " + str(len(body)).encode() + b"\r\ncontent-type: "
        b"application/json\r\n" + extra + b"\r\n" + body
    )


async def _ok(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
    writer.write(_answer())
    return True


@asynccontextmanager
async def server(handler: Handler = _ok) -> AsyncIterator[tuple[str, list[int], list[bytes]]]:
    """A local HTTP/1.1 server: the connections it accepted (numbered) and the requests it read."""
    connections: list[int] = []
    requests: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(len(connections) + 1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                body = await reader.readexactly(length)
                requests.append(head + body)
                if not await handler(head, body, writer):
                    break
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    listening = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", connections, requests
    finally:
        listening.close()
        await listening.wait_closed()


async def test_requests_go_unchanged_and_keep_one_connection() -> None:
    async def echo(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(_answer(body, b"x-seen: yes\r\nset-cookie: a=b\r\n"))
        return True

    async with server(echo) as (url, connections, requests):
        client = make_client(url, headers={"X-Caller": "test"})
        try:
            assert isinstance(client._transport._pool, AiohttpPool)  # type: ignore[attr-defined]
            for n in range(3):
                response = await client.post(f"/x?n={n}", json={"a": n})
                assert response.status_code == 200
                assert response.json() == {"a": n}
                assert response.headers["x-seen"] == "yes"
        finally:
            await client.aclose()
    assert connections == [1]
    head = requests[0].split(b"\r\n\r\n")[0].lower().split(b"\r\n")
    assert head[0] == b"post /x?n=0 http/1.1"
    assert b"x-caller: test" in head
    assert b"content-type: application/json" in head
    # httpx's own headers, once each, and none of aiohttp's besides
    names = [line.split(b":")[0] for line in head[1:]]
    assert sorted(names) == sorted(set(names))
    assert [line for line in head if line.startswith(b"user-agent")] == [
        b"user-agent: python-httpx/" + httpx.__version__.encode()
    ]
    assert b"cookie: a=b" not in requests[1].lower()  # the pool keeps no cookie jar


async def test_a_connection_the_server_closed_while_idle_is_replaced_before_the_next_request() -> None:
    async def once(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(_answer())
        await writer.drain()
        return False  # hangs up without saying so, as a server does with an idle connection

    async with server(once) as (url, connections, _):
        client = make_client(url)
        try:
            for _ in range(3):
                response = await client.post("/x", json={"a": 1})
                assert response.status_code == 200
                await asyncio.sleep(0.05)  # the server's hang-up reaches the client's socket
        finally:
            await client.aclose()
    assert connections == [1, 2, 3]


async def test_an_encoded_answer_is_decoded_once_by_httpx() -> None:
    packed = gzip.compress(b'{"big": true}')

    async def gzipped(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(_answer(packed, b"content-encoding: gzip\r\n"))
        return True

    async with server(gzipped) as (url, _, _):
        client = make_client(url)
        try:
            response = await client.get("/x")
        finally:
            await client.aclose()
    assert response.json() == {"big": True}
    assert response.headers["content-encoding"] == "gzip"


async def test_a_request_the_server_hung_up_on_is_not_sent_again() -> None:
    async def first_only(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        if b"/second" in head:
            return False  # reads the request, then hangs up before answering
        writer.write(_answer())
        return True

    async with server(first_only) as (url, _, requests):
        client = make_client(url)
        try:
            assert (await client.get("/first")).status_code == 200
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get("/second")  # on the kept connection: aiohttp would resend it
        finally:
            await client.aclose()
    assert [r.split(b" ")[1] for r in requests] == [b"/first", b"/second"]


async def test_an_answer_that_does_not_come_is_a_read_timeout() -> None:
    async def silent(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        await asyncio.sleep(5)
        return False

    async with server(silent) as (url, _, _):
        client = make_client(url, timeout=0.2)
        try:
            with pytest.raises(httpx.ReadTimeout):
                await client.get("/x")
        finally:
            await client.aclose()


async def test_nobody_listening_is_a_connect_error() -> None:
    async with server() as (url, _, _):
        pass  # closed again: the port now refuses
    client = make_client(url)
    try:
        with pytest.raises(httpx.ConnectError):
            await client.get("/x")
    finally:
        await client.aclose()


async def test_an_answer_that_is_not_http_is_a_protocol_error() -> None:
    async def garbage(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
        await writer.drain()
        return False

    async with server(garbage) as (url, _, _):
        client = make_client(url)
        try:
            with pytest.raises(httpx.RemoteProtocolError):
                await client.get("/x")
        finally:
            await client.aclose()


async def test_a_header_value_in_utf_8_leaves_byte_for_byte() -> None:
    async with server() as (url, _, requests):
        client = make_client(url)
        try:
            await client.get("/x", headers=[(b"X-Name", "Sari Wulandari ✓".encode())])
        finally:
            await client.aclose()
    assert "x-name: sari wulandari ✓".encode() in requests[0].lower()


def test_aiohttp_is_loaded_by_the_first_request_not_by_making_a_client() -> None:
    probe = (
        "import sys; from shared.http import make_client; make_client('http://127.0.0.1:9');"
        " print('aiohttp' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    answer = subprocess.run(
        [sys.executable, "-c", probe], cwd=root, capture_output=True, text=True, check=True
    )
    assert answer.stdout.strip() == "False"


async def test_a_client_keeps_no_cookie_an_answer_set() -> None:
    async def sets(head: bytes, body: bytes, writer: asyncio.StreamWriter) -> bool:
        writer.write(_answer(b"{}", b"set-cookie: session=abc; Path=/\r\n"))
        return True

    async with server(sets) as (url, _, requests):
        client = make_client(url)
        try:
            await client.get("/first")
            await client.get("/second")
            assert not client.cookies
        finally:
            await client.aclose()
    assert b"cookie:" not in requests[1].lower()
