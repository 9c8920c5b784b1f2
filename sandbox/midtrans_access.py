"""Midtrans access and errors: Basic auth with the server key, the knobs every Snap/Core call passes
(latency, 5xx), and the two error shapes: Snap's `{"error_messages": [...]}` and the Core API's
`{"status_code": "412", "status_message": ..., "id": ...}`."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hmac
import uuid
from typing import Annotated, Any

from fastapi import Header, Request
from midtrans_state import MidtransState
from state import SandboxState

UNAUTHORIZED = "Access denied due to unauthorized transaction, please check client or server key"
NOT_FOUND = "Transaction doesn't exist."
CANNOT_MODIFY = "Merchant cannot modify the status of the transaction"


class SnapError(Exception):
    def __init__(self, status: int, *messages: str) -> None:
        super().__init__(messages[0] if messages else "")
        self.status = status
        self.messages = list(messages)

    def body(self) -> dict[str, Any]:
        return {"error_messages": self.messages}


class CoreError(Exception):
    """A Core API error. `status_code` is the body's; the HTTP status follows it unless the
    `errors_in_http_200` knob says otherwise (Midtrans has answered both ways over the years)."""

    def __init__(self, status_code: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"status_code": str(self.status_code), "status_message": self.message, "id": str(uuid.uuid4()),
                **self.extra}  # fmt: skip


def midtrans(request: Request) -> MidtransState:
    state: SandboxState = request.app.state.sandbox
    return state.midtrans


def _authorized(request: Request, authorization: str | None) -> bool:
    if not authorization or not authorization.startswith("Basic "):
        return False
    try:
        decoded = base64.b64decode(authorization.removeprefix("Basic ").strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return False
    key, sep, _password = decoded.partition(":")
    expected = midtrans(request).settings.server_key
    return bool(sep) and hmac.compare_digest(key.encode(), expected.encode())


async def _disturb(request: Request) -> bool:
    """Waits the latency knob; says whether the error_rate knob fires."""
    state = midtrans(request)
    knobs = state.knobs
    if knobs.latency_ms:
        await asyncio.sleep(knobs.latency_ms / 1000)
    return knobs.error_rate > 0 and state.knob_rng.random() < knobs.error_rate


async def snap_access(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    if await _disturb(request):
        raise SnapError(500, "Sorry, we encountered internal server error. We will fix this soon.")
    if not _authorized(request, authorization):
        raise SnapError(
            401, UNAUTHORIZED, "Visit https://snap-docs.midtrans.com/#request-headers for more details"
        )


async def core_access(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    if await _disturb(request):
        raise CoreError(500, "Sorry. Our system is recovering from unexpected issues. Please retry.")
    if not _authorized(request, authorization):
        raise CoreError(401, UNAUTHORIZED)
