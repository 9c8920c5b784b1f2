"""Midtrans Snap and Core API over async httpx (the contract as Midtrans documents it; docs/providers.md).

Not midtransclient: it is synchronous (`requests`) and passes no timeout, so one slow Midtrans
call would block the event loop or hang forever. This speaks the documented REST contract:
Basic auth `base64(server_key + ":")`, JSON in and out, and errors that may arrive inside an
HTTP 200 — the body's `status_code` is authoritative (≥ 400 is an error, except 407: expired).
"""

from __future__ import annotations

import base64
import logging
from decimal import Decimal
from typing import Any

import httpx

from domain.errors import GatewayRejected, GatewayTimeout, GatewayUnavailable
from domain.models import GatewayStatus
from domain.repository import SnapToken

logger = logging.getLogger("payment_service.midtrans")

# An expired transaction answers status_code "407" (to GET status and to POST expire): not an error,
# as the official SDK also treats it.
EXPIRED = 407


def basic_auth(server_key: str) -> str:
    return "Basic " + base64.b64encode(f"{server_key}:".encode()).decode()


def _message(body: dict[str, Any]) -> str:
    errors = body.get("error_messages")
    if isinstance(errors, list) and errors:
        return "; ".join(str(e) for e in errors)
    return str(body.get("status_message") or body.get("message") or "no message")


class MidtransClient:
    def __init__(
        self,
        snap: httpx.AsyncClient,
        core: httpx.AsyncClient,
        *,
        server_key: str,
        snap_base_url: str,
        core_base_url: str,
        notification_url: str | None = None,
    ) -> None:
        self._snap = snap
        self._core = core
        self._snap_base = snap_base_url.rstrip("/")
        self._core_base = core_base_url.rstrip("/")
        self._notification_url = notification_url
        self._headers = {
            "Authorization": basic_auth(server_key),
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    async def _send(
        self,
        client: httpx.AsyncClient,
        method: str,
        url: str,
        json: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any]]:
        try:
            response = await client.request(
                method, url, json=json, headers={**self._headers, **(headers or {})}
            )
        except httpx.TimeoutException as exc:
            raise GatewayTimeout(f"Midtrans did not answer {method} {url} in time.") from exc
        except httpx.HTTPError as exc:
            raise GatewayUnavailable(f"Midtrans is unreachable: {type(exc).__name__}.") from exc
        if response.status_code >= 500:
            raise GatewayUnavailable(f"Midtrans answered HTTP {response.status_code}.")
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            if 400 <= response.status_code < 500:
                raise GatewayRejected(
                    response.status_code, f"HTTP {response.status_code} without a JSON body"
                )
            # An HTML page or garbage where JSON belongs: not Midtrans's API answering.
            raise GatewayUnavailable(
                f"Midtrans answered HTTP {response.status_code} with a body that is not JSON."
            )
        return response.status_code, body

    async def create_snap(self, payload: dict[str, Any]) -> SnapToken:
        headers = {"X-Override-Notification": self._notification_url} if self._notification_url else None
        status, body = await self._send(
            self._snap, "POST", f"{self._snap_base}/transactions", payload, headers=headers
        )
        if status >= 400:
            raise GatewayRejected(status, _message(body))
        token, redirect_url = body.get("token"), body.get("redirect_url")
        if not isinstance(token, str) or not isinstance(redirect_url, str):
            raise GatewayUnavailable("Midtrans Snap answered without token and redirect_url.")
        return SnapToken(token=token, redirect_url=redirect_url)

    async def _core_call(self, method: str, path: str, json: dict[str, Any] | None = None) -> GatewayStatus:
        http_status, body = await self._send(self._core, method, f"{self._core_base}{path}", json)
        code = _status_code(body, http_status)
        if code >= 500:
            raise GatewayUnavailable(f"Midtrans answered status_code {code}: {_message(body)}")
        if code >= 400 and code != EXPIRED:
            raise GatewayRejected(code, _message(body))
        if http_status >= 400:  # an HTTP error whose body claims success: trust neither
            raise GatewayRejected(http_status, _message(body))
        return GatewayStatus.from_body(body)

    # Midtrans names a transaction by our order_id: `reference` (the port's) is not needed.

    async def status(self, order_id: str, reference: str | None = None) -> GatewayStatus:
        return await self._core_call("GET", f"/v2/{order_id}/status")

    async def cancel(self, order_id: str, reference: str | None = None) -> GatewayStatus:
        return await self._core_call("POST", f"/v2/{order_id}/cancel")

    async def expire(self, order_id: str, reference: str | None = None) -> GatewayStatus:
        return await self._core_call("POST", f"/v2/{order_id}/expire")

    async def refund(
        self, order_id: str, refund_key: str, amount: Decimal, reason: str, reference: str | None = None
    ) -> GatewayStatus:
        body = {"refund_key": refund_key, "amount": int(amount), "reason": reason}
        return await self._core_call("POST", f"/v2/{order_id}/refund", body)


def _status_code(body: dict[str, Any], http_status: int) -> int:
    raw = body.get("status_code")
    try:
        return int(str(raw)) if raw is not None else http_status
    except ValueError:
        return http_status
