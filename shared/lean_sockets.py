"""httpx's connection pool, minus a cost it pays per idle connection on every request.

Each time a request starts or ends, httpcore's pool asks every connection it holds whether it
expired, and an idle one whether its socket is readable (the server hung up). Through anyio each
such question builds a dictionary of the socket's attributes and calls getpeername() before the
poll() that answers it: with a dozen kept connections (sixteen callers at once) that was a fifth
of the client's CPU per request (1.25 -> 1.0 ms against a bare local server; 0.6 ms with one
connection). The streams here keep their socket from the start and answer with the poll() alone;
everything else goes to anyio's streams unchanged.

The pool's backend is not a parameter of httpx's transport: it is set on the transport's pool
(httpcore 1.0's attribute), and `shared/tests/test_lean_sockets.py` fails if that moves."""

from __future__ import annotations

import socket
import ssl
import typing
from collections.abc import Iterable

import httpcore
import httpx
from httpcore._backends.auto import AutoBackend
from httpcore._utils import is_socket_readable

SocketOption = tuple[int, int, int] | tuple[int, int, bytes | bytearray] | tuple[int, int, None, int]


class LeanStream(httpcore.AsyncNetworkStream):
    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._socket: socket.socket | None = stream.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.AsyncNetworkStream:
        return LeanStream(await self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> typing.Any:
        if info == "is_readable":
            return is_socket_readable(self._socket)
        return self._stream.get_extra_info(info)


class LeanBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, backend: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._backend = backend or AutoBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SocketOption] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        return LeanStream(stream)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[SocketOption] | None = None
    ) -> httpcore.AsyncNetworkStream:
        return LeanStream(await self._backend.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


def lean_transport(**options: typing.Any) -> httpx.AsyncHTTPTransport:
    """httpx's transport with `options`, its pool on LeanBackend."""
    transport = httpx.AsyncHTTPTransport(**options)
    pool = transport._pool
    pool._network_backend = LeanBackend(pool._network_backend)
    return transport
