"""Pure ASGI middleware: request ids and the request body cap."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import problem_response, unexpected_error_response
from shared.logging import request_id_var

REQUEST_ID_HEADER = "x-request-id"
_VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

access_log = logging.getLogger("access")
logger = logging.getLogger("shared.middleware")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestIdMiddleware:
    """Takes `X-Request-ID` from the caller (or makes one), exposes it to logs and returns it.

    Also writes one access-log line per request, carrying the id.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, REQUEST_ID_HEADER.encode())
        request_id = incoming if incoming and _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        started_response = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status = message["status"]
                started_response = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            # Answer here, while the request id is still known, rather than in Starlette's
            # outermost error middleware; the trace goes to the log, never to the client.
            if started_response:
                raise
            await unexpected_error_response(exc)(scope, receive, send_with_id)
        finally:
            path = scope.get("path", "")
            if not path.startswith(("/healthz", "/metrics")):
                access_log.info(
                    "%s %s %s",
                    scope.get("method"),
                    path,
                    status,
                    extra={"status": status, "duration_ms": round((time.perf_counter() - started) * 1000, 2)},
                )
            request_id_var.reset(token)


class BodyLimitMiddleware:
    """Refuses request bodies over `max_bytes` with 413, whether announced or streamed.

    The body is read (up to the cap) before the app runs, so an oversized chunked upload is
    refused cleanly instead of surfacing as a parse error halfway through a handler.

    Most clients send the whole body before they read the answer. Answering and closing while
    their bytes still arrive makes the kernel reset the connection, and such a client sees a
    reset instead of the 413. So the rest of an oversized body is read and thrown away first
    (nginx's "lingering close" does the same), bounded in bytes and time so that it cannot be
    used to keep a worker busy; past those bounds the answer goes out anyway. A client that
    asked `Expect: 100-continue` has sent nothing yet and is answered at once.
    """

    drain_max_bytes = 64 * 1024 * 1024
    drain_seconds = 10.0

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _header(scope, b"content-length")
        announced = int(declared) if declared and declared.isascii() and declared.isdigit() else None
        if announced is not None and announced > self.max_bytes:
            expects_continue = (_header(scope, b"expect") or "").strip().lower() == "100-continue"
            if not expects_continue and announced <= self.drain_max_bytes:
                await self._drain(receive, more_body=True)
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left; there is nobody to answer
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await self._drain(receive, more_body=message.get("more_body", False), already=received)
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _drain(self, receive: Receive, *, more_body: bool, already: int = 0) -> None:
        """Reads and discards what is left of the body, within the drain bounds."""
        drained = already
        try:
            async with asyncio.timeout(self.drain_seconds):
                while more_body and drained <= self.drain_max_bytes:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return
                    drained += len(message.get("body", b""))
                    more_body = message.get("more_body", False)
        except TimeoutError:
            logger.info("gave up draining an oversized body after %d bytes", drained)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413, "payload-too-large", f"The request body is larger than {self.max_bytes} bytes."
        )
        response.headers["connection"] = "close"
        await response(scope, receive, send)
