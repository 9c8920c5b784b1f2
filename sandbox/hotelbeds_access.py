"""Hotelbeds APItude access: the Api-key and X-Signature check every call passes, the fault knobs,
and APItude's two kinds of errors: gateway answers (a status and a short text: 401 Not Authorized,
403 Developer Inactive) and formatted ones (`{"auditData": …, "error": {"code", "message"}}`)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from fastapi import Request
from hotelbeds_state import HotelbedsBook
from state import SandboxState

SUPPLIER = "hotelbeds"
# APItude accepts a signature made within a few minutes of its own clock (clock skew is the
# usual cause of 401s in the field).
SIGNATURE_WINDOW_SECONDS = 300


class HotelbedsError(Exception):
    """A formatted APItude error: INVALID_REQUEST / INVALID_DATA (400), PRODUCT_ERROR (400),
    SYSTEM_ERROR (500)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class GatewayRefusal(Exception):
    """The API gateway's plain answers in front of APItude, before any JSON is produced."""

    def __init__(self, status: int, text: str, mashery_code: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.mashery_code = mashery_code


class HotelbedsMalformed(Exception):
    pass


MALFORMED_BODY = b'{"auditData": {"processTime": "12"}, "hotels": {"hotels": [{"code": 612001, "rooms": [<<<'


def sandbox(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def book(request: Request) -> HotelbedsBook:
    return sandbox(request).hotelbeds


def audit_data(request: Request) -> dict[str, Any]:
    now = sandbox(request).clock()
    return {
        "processTime": "23",
        "timestamp": now.strftime("%Y-%m-%d %H:%M:%S.") + f"{now.microsecond // 1000:03d}",
        "requestHost": request.client.host if request.client else "127.0.0.1",
        "serverId": "sandbox.tiketq.local",
        "environment": "[sandbox]",
        "release": "sandbox",
        "token": secrets.token_hex(16).upper(),
        "internal": "0|sandbox",
    }


def signature(api_key: str, secret: str, seconds: int) -> str:
    return hashlib.sha256(f"{api_key}{secret}{seconds}".encode()).hexdigest()


def check_signature(request: Request) -> None:
    state = sandbox(request)
    settings = state.settings.hotelbeds
    api_key = request.headers.get("Api-key")
    given = request.headers.get("X-Signature", "").lower()
    if not api_key:
        raise GatewayRefusal(401, "Not Authorized", "ERR_401_MISSING_API_KEY")
    if not hmac.compare_digest(api_key, settings.api_key):
        raise GatewayRefusal(403, "Developer Inactive", "ERR_403_DEVELOPER_INACTIVE")
    now = int(state.clock().timestamp())
    secret = settings.secret.get_secret_value()
    for seconds in range(now - SIGNATURE_WINDOW_SECONDS, now + SIGNATURE_WINDOW_SECONDS + 1):
        if hmac.compare_digest(given, signature(api_key, secret, seconds)):
            return
    raise GatewayRefusal(401, "Not Authorized", "ERR_401_INVALID_SIGNATURE")


async def guarded(request: Request) -> None:
    """Every Hotelbeds call: the signature first (a gateway check, before any latency), then the
    knobs: latency, timeouts, errors, garbage."""
    check_signature(request)
    outcome = await sandbox(request).knobs.disturb(SUPPLIER)
    if outcome == "error":
        raise HotelbedsError(500, "SYSTEM_ERROR", "An internal error has occurred. Please try again later.")
    if outcome == "malformed":
        raise HotelbedsMalformed()
