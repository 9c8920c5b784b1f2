"""Xendit's Invoices and Refunds APIs over async httpx (the contract as Xendit documents it;
docs/providers.md, Xendit).

Not xendit-python: it is synchronous. This speaks the REST contract: Basic auth with the secret
API key as the user name and an empty password, JSON in and out, errors as an HTTP 4xx/5xx with
`{"error_code": ..., "message": ...}`. An invoice is named by Xendit's id (the charge's
reference); our order_id is its `external_id`.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

import httpx

from adapters.midtrans import basic_auth
from domain.errors import GatewayRejected, GatewayTimeout, GatewayUnavailable
from domain.models import GatewayStatus
from domain.repository import SnapToken
from domain.xendit import from_invoice

logger = logging.getLogger("payment_service.xendit")

NOT_FOUND = 404
# Refusals the domain knows by Midtrans's numbers (domain/refunds.py): cannot refund this payment
# (412), or not this amount (414).
CANNOT_REFUND = 412
AMOUNT_REFUSED = 414
REFUSALS = {
    "INELIGIBLE_TRANSACTION": CANNOT_REFUND,
    "REFUND_NOT_SUPPORTED": CANNOT_REFUND,
    "REFUND_IN_PROGRESS": CANNOT_REFUND,
    "INSUFFICIENT_BALANCE": CANNOT_REFUND,
    "MAXIMUM_REFUND_AMOUNT_REACHED": AMOUNT_REFUSED,
}
REFUND_REASON = "CANCELLATION"  # Xendit's reasons are an enum; ours goes in metadata
NOTE_LIMIT = 200


class XenditClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        secret_key: str,
        base_url: str,
        success_redirect_url: str | None = None,
        failure_redirect_url: str | None = None,
    ) -> None:
        self._http = http
        self._base = base_url.rstrip("/")
        self._redirects = {
            k: v
            for k, v in (
                ("success_redirect_url", success_redirect_url),
                ("failure_redirect_url", failure_redirect_url),
            )
            if v
        }
        self._headers = {
            "Authorization": basic_auth(secret_key),
            "Accept": "application/json",
            "Content-Type": "application/json",
        }

    async def _send(
        self,
        method: str,
        path: str,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        url = f"{self._base}{path}"
        try:
            response = await self._http.request(
                method, url, json=json, params=params, headers={**self._headers, **(headers or {})}
            )
        except httpx.TimeoutException as exc:
            raise GatewayTimeout(f"Xendit did not answer {method} {path} in time.") from exc
        except httpx.HTTPError as exc:
            raise GatewayUnavailable(f"Xendit is unreachable: {type(exc).__name__}.") from exc
        if response.status_code >= 500:
            raise GatewayUnavailable(f"Xendit answered HTTP {response.status_code}.")
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            code, message = _error(body)
            status = REFUSALS.get(code, response.status_code)
            raise GatewayRejected(status, f"{code}: {message}", gateway="Xendit")
        if not isinstance(body, dict | list):
            raise GatewayUnavailable(
                f"Xendit answered HTTP {response.status_code} with a body that is not JSON."
            )
        return body

    async def _invoice(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        body = await self._send(method, path, **kwargs)
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise GatewayUnavailable("Xendit answered without an invoice.")
        return body

    async def create_snap(self, payload: dict[str, Any]) -> SnapToken:
        """Creates the invoice, unless one exists for this external_id already: Xendit accepts
        duplicates, so an attempt whose answer was lost (a timeout, a crash) is found again
        instead of leaving a second payable invoice behind."""
        invoice = await self._existing(str(payload["external_id"]))
        if invoice is None:
            invoice = await self._invoice("POST", "/v2/invoices", json={**payload, **self._redirects})
        url = invoice.get("invoice_url")
        if not isinstance(url, str):
            raise GatewayUnavailable("Xendit answered an invoice without invoice_url.")
        return SnapToken(token=invoice["id"], redirect_url=url, reference=invoice["id"])

    async def _existing(self, external_id: str) -> dict[str, Any] | None:
        try:
            found = await self._send("GET", "/v2/invoices", params={"external_id": external_id})
        except GatewayRejected as exc:
            if exc.status_code == NOT_FOUND:
                return None
            raise
        invoices = [i for i in found if isinstance(i, dict)] if isinstance(found, list) else []
        live = [i for i in invoices if i.get("status") != "EXPIRED" and isinstance(i.get("id"), str)]
        return live[-1] if live else None

    async def status(self, order_id: str, reference: str | None = None) -> GatewayStatus:
        if not reference:
            raise GatewayRejected(NOT_FOUND, f"no invoice was created for {order_id!r}", gateway="Xendit")
        return from_invoice(await self._invoice("GET", f"/v2/invoices/{reference}"))

    async def expire(self, order_id: str, reference: str | None = None) -> GatewayStatus:
        """Expires a pending invoice. Xendit refuses to expire one that is paid (or gone): then the
        invoice as it is now answers, so a payment that raced the cancellation is seen."""
        if not reference:
            raise GatewayRejected(NOT_FOUND, f"no invoice was created for {order_id!r}", gateway="Xendit")
        try:
            return from_invoice(await self._invoice("POST", f"/invoices/{reference}/expire!"))
        except GatewayRejected as exc:
            logger.info(
                "xendit refused to expire an invoice", extra={"order_id": order_id, "reason": exc.message}
            )
            return await self.status(order_id, reference)

    async def cancel(self, order_id: str, reference: str | None = None) -> GatewayStatus:
        """An invoice has no other way to stop than expiring."""
        return await self.expire(order_id, reference)

    async def refund(
        self, order_id: str, refund_key: str, amount: Decimal, reason: str, reference: str | None = None
    ) -> GatewayStatus:
        """`POST /refunds` under the refund key as Xendit's Idempotency-key (a retry gets the same
        refund back). PENDING or SUCCEEDED is accepted; FAILED is a refusal."""
        if not reference:
            raise GatewayRejected(CANNOT_REFUND, f"no invoice was paid for {order_id!r}", gateway="Xendit")
        body = {
            "invoice_id": reference,
            "amount": int(amount),
            "currency": "IDR",
            "reason": REFUND_REASON,
            "metadata": {"order_id": order_id, "note": reason[:NOTE_LIMIT]},
        }
        refund = await self._send("POST", "/refunds", json=body, headers={"Idempotency-key": refund_key})
        if not isinstance(refund, dict) or refund.get("status") not in ("PENDING", "SUCCEEDED", "FAILED"):
            raise GatewayUnavailable("Xendit answered a refund without a status.")
        if refund["status"] == "FAILED":
            raise GatewayRejected(CANNOT_REFUND, str(refund.get("failure_code") or "refund failed"), "Xendit")
        return GatewayStatus(
            order_id=order_id,
            status_code=None,
            transaction_status=None,
            fraud_status=None,
            gross_amount=None,
            currency=str(refund.get("currency") or "IDR"),
            payment_type=None,
            transaction_id=reference,
            settlement_time=None,
            refunded_amount=amount,
        )


def _error(body: Any) -> tuple[str, str]:
    if isinstance(body, dict):
        return str(body.get("error_code") or "UNKNOWN_ERROR"), str(body.get("message") or "no message")
    return "UNKNOWN_ERROR", "an error without a JSON body"
