"""An oversized body is answered 413 problem+json over a real connection, even to a client that
sends its whole body before it reads (without the drain, its send fails with a reset)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from fastapi import FastAPI

from shared.service_app import create_service_app
from shared.settings import RuntimeSettings

CAP = 1024 * 1024


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module", params=["httptools", "h11"])
def server_port(request: pytest.FixtureRequest) -> Iterator[int]:
    app: FastAPI = create_service_app(
        name="demo",
        title="Demo",
        version="1",
        description="demo",
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False, MAX_BODY_BYTES=CAP),
    )

    @app.post("/things")
    async def things() -> dict[str, str]:
        return {"status": "stored"}

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, http=request.param, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _post_then_read(port: int, size: int, *, chunked: bool = False, expect: bool = False) -> bytes:
    """Like most HTTP clients: the whole request first, the answer after."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as conn:
        head = "POST /things HTTP/1.1\r\nHost: demo\r\nContent-Type: application/json\r\n"
        head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {size}\r\n"
        head += "Expect: 100-continue\r\n" if expect else ""
        conn.sendall((head + "\r\n").encode())
        if expect:
            return _read_answer(conn)
        block = b"x" * 65536
        sent = 0
        while sent < size:
            part = block[: min(len(block), size - sent)]
            conn.sendall(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
            sent += len(part)
        if chunked:
            conn.sendall(b"0\r\n\r\n")
        return _read_answer(conn)


def _read_answer(conn: socket.socket) -> bytes:
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
        data = conn.recv(65536)
        if not data:
            break
        answer += data
    return answer


def _problem(answer: bytes) -> dict[str, object]:
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), head
    assert b"content-type: application/problem+json" in head.lower()
    document: dict[str, object] = json.loads(body)
    return document


@pytest.mark.parametrize("size", [5 * 1000 * 1000, 2 * CAP])
def test_an_announced_oversized_body_is_answered_413_not_reset(server_port: int, size: int) -> None:
    problem = _problem(_post_then_read(server_port, size))
    assert problem["status"] == 413
    assert str(problem["type"]).endswith("/payload-too-large")


def test_an_oversized_chunked_body_is_answered_413_not_reset(server_port: int) -> None:
    assert _problem(_post_then_read(server_port, 5 * 1000 * 1000, chunked=True))["status"] == 413


def test_a_client_that_expects_100_continue_is_refused_before_it_sends(server_port: int) -> None:
    started = time.monotonic()
    assert _problem(_post_then_read(server_port, 5 * 1000 * 1000, expect=True))["status"] == 413
    assert time.monotonic() - started < 2


def test_a_body_within_the_cap_still_arrives(server_port: int) -> None:
    with socket.create_connection(("127.0.0.1", server_port), timeout=15) as conn:
        body = b'{"name": "x"}'
        conn.sendall(
            b"POST /things HTTP/1.1\r\nHost: demo\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        answer = _read_answer(conn)
    assert answer.startswith(b"HTTP/1.1 200"), answer
    assert answer.endswith(b'{"status":"stored"}')
