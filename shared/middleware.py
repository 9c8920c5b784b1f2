"""The service shell's one pure-ASGI middleware: request ids, the access log, metrics and the
request body cap.

One layer instead of three, because every request of every service pays for it: the headers are
scanned once, the clock is read twice, and a request without a body (every GET) is handed to the
app with the server's own `receive`, untouched.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import problem_response, unexpected_error_response
from shared.logging import request_id_var
from shared.metrics import HttpMetrics

REQUEST_ID_HEADER = "x-request-id"
_REQUEST_ID = REQUEST_ID_HEADER.encode()
_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
# Neither metrics nor the access log count the scraper and the probes.
_UNLOGGED_PREFIXES = ("/healthz", "/metrics")
_METRICS_PATH = "/metrics"

access_log = logging.getLogger("access")
logger = logging.getLogger("shared.middleware")


def new_request_id() -> str:
    """32 random hex digits (as uuid4().hex, without building a UUID object)."""
    return os.urandom(16).hex()


class ServiceShellMiddleware:
    """Wraps every HTTP request of a service:

    - takes `X-Request-ID` from the caller when it is well formed (or makes one), exposes it to
      logs through `request_id_var` and returns it on the response;
    - answers an exception nothing handled (500, or 503 when the database refused a connection)
      while the request id is still known, rather than in Starlette's outermost error middleware;
    - counts the request and its latency by route template, and writes one access-log line;
    - refuses request bodies over `max_bytes` with 413, whether announced or streamed.

    A body is read (up to the cap) before the app runs, so an oversized chunked upload is refused
    cleanly instead of surfacing as a parse error halfway through a handler. A request that has
    no body by HTTP's framing (neither Content-Length nor Transfer-Encoding, or Content-Length 0)
    goes to the app as it is: there is nothing to cap or buffer.

    Most clients send the whole body before they read the answer. Answering and closing while
    their bytes still arrive makes the kernel reset the connection, and such a client sees a
    reset instead of the 413. So the rest of an oversized body is read and thrown away first
    (nginx's "lingering close" does the same), bounded in bytes and time so that it cannot be
    used to keep a worker busy; past those bounds the answer goes out anyway. A client that
    asked `Expect: 100-continue` has sent nothing yet and is answered at once.
    """

    drain_max_bytes = 64 * 1024 * 1024
    drain_seconds = 10.0

    def __init__(self, app: ASGIApp, *, max_bytes: int, metrics: HttpMetrics) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        # One pass over the headers for everything this layer needs.
        incoming = declared = expect = None
        chunked = False
        for key, value in scope["headers"]:
            if key == _REQUEST_ID:
                if incoming is None:
                    incoming = value
            elif key == b"content-length":
                if declared is None:
                    declared = value
            elif key == b"transfer-encoding":
                chunked = True
            elif key == b"expect":
                expect = value
        if incoming is not None:
            request_id = incoming.decode("latin-1")
            if _VALID_REQUEST_ID.fullmatch(request_id) is None:
                request_id = new_request_id()
        else:
            request_id = new_request_id()
        token = request_id_var.set(request_id)
        id_header = (_REQUEST_ID, request_id.encode())
        status = 500
        started_response = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started_response
            if message["type"] == "http.response.start":
                status = message["status"]
                started_response = True
                headers = [h for h in message.get("headers", ()) if h[0].lower() != _REQUEST_ID]
                headers.append(id_header)
                message["headers"] = headers
            await send(message)

        try:
            if chunked or (declared is not None and declared != b"0"):
                replay = await self._read_body(scope, receive, send_with_id, declared, expect)
                if replay is None:
                    return  # refused with 413, or the client left while sending
                receive = replay
            await self.app(scope, receive, send_with_id)
        except Exception as exc:
            if started_response:
                raise
            # The trace goes to the log, never to the client.
            await unexpected_error_response(exc)(scope, receive, send_with_id)
        finally:
            path = scope["path"]
            if path.startswith(_UNLOGGED_PREFIXES):
                if path != _METRICS_PATH:
                    self.metrics.record(scope, status, time.perf_counter() - started)
            else:
                elapsed = time.perf_counter() - started
                self.metrics.record(scope, status, elapsed)
                # Only when someone reads it (the bench and production-like runs log WARNING).
                if access_log.isEnabledFor(logging.INFO):
                    access_log.info(
                        "%s %s %s",
                        scope.get("method"),
                        path,
                        status,
                        extra={"status": status, "duration_ms": round(elapsed * 1000, 2)},
                    )
            request_id_var.reset(token)

    async def _read_body(
        self, scope: Scope, receive: Receive, send: Send, declared: bytes | None, expect: bytes | None
    ) -> Receive | None:
        """The body read up to the cap, as a `receive` that replays it; None when it was refused
        (or the client left while sending it)."""
        announced = int(declared) if declared and declared.isdigit() else None
        if announced is not None and announced > self.max_bytes:
            expects_continue = (expect or b"").strip().lower() == b"100-continue"
            if not expects_continue and announced <= self.drain_max_bytes:
                await self._drain(receive, more_body=True)
            await self._refuse(scope, receive, send)
            return None
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None  # the client left; there is nobody to answer
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > self.max_bytes:
                await self._drain(receive, more_body=message.get("more_body", False), already=received)
                await self._refuse(scope, receive, send)
                return None
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

        return replay

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
