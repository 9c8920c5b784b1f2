"""make_client's pool over real sockets on shared.lean_sockets: requests go and come as before, a
connection is kept between them, and one the server closed while it sat idle is noticed (its
socket is readable) and replaced, so the next request does not fail on it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from shared.http import make_client
from shared.lean_sockets import LeanBackend, LeanStream


@asynccontextmanager
async def server(close_after_answer: bool) -> AsyncIterator[tuple[str, list[int]]]:
    """A local HTTP/1.1 server answering 200 with keep-alive; it hangs up after each answer when
    `close_after_answer` (as a server does with an idle connection), without saying so."""
    connections: list[int] = []

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
                await reader.readexactly(length)
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-type: application/json\r\n\r\n{}"
                )
                await writer.drain()
                if close_after_answer:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    listening = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = listening.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", connections
    finally:
        listening.close()
        await listening.wait_closed()


async def test_requests_keep_one_connection_on_the_lean_backend() -> None:
    async with server(close_after_answer=False) as (url, connections):
        client = make_client(url)
        try:
            for _ in range(3):
                response = await client.post("/x", json={"a": 1})
                assert (response.status_code, response.json()) == (200, {})
            pool = client._transport._pool  # type: ignore[attr-defined]
            assert isinstance(pool._network_backend, LeanBackend)
            [kept] = pool.connections
            assert isinstance(kept._connection._network_stream, LeanStream)
        finally:
            await client.aclose()
    assert connections == [1]


async def test_a_connection_the_server_closed_while_idle_is_replaced_before_the_next_request() -> None:
    async with server(close_after_answer=True) as (url, connections):
        client = make_client(url)
        try:
            for _ in range(3):
                response = await client.post("/x", json={"a": 1})
                assert response.status_code == 200
                await asyncio.sleep(0.05)  # the server's hang-up reaches the client's socket
        finally:
            await client.aclose()
    assert connections == [1, 2, 3]
