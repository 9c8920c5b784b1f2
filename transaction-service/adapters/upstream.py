"""httpx adapters for the two services the money path calls over their internal contracts:

- HttpBookingGateway: `POST /internal/bookings`, `/{ref}/issue`, `/{ref}/cancel` on the booking
  service of an order's service_type (flights-service today; one base URL per service type).
- HttpPaymentGateway: payment-service's `/internal/charges` API.

An answer that is a problem is raised as `UpstreamProblem` with the other side's status, slug and
extra members (so a booking's 409 price-changed reaches our caller with the new price); transport
failures become 503 `<service>-unavailable` / 504 `<service>-timeout`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import httpx

from domain.errors import ChargePaid, UpstreamProblem
from domain.ports import Booking, Charge, ChargeRequest, HoldRequest, RefundResult
from shared.internal import internal_headers

logger = logging.getLogger("transaction_service.upstream")

_PROBLEM_MEMBERS = {"type", "title", "status", "detail", "request_id", "instance"}


def _problem(service: str, response: httpx.Response) -> UpstreamProblem:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        status = response.status_code if response.status_code < 500 else 502
        return UpstreamProblem(status, f"{service}-error", f"{service} answered {response.status_code}.")
    slug = str(body.get("type", "")).rstrip("/").rsplit("/", 1)[-1] or f"{service}-error"
    extra = {k: v for k, v in body.items() if k not in _PROBLEM_MEMBERS}
    detail = body.get("detail") if isinstance(body.get("detail"), str) else None
    return UpstreamProblem(response.status_code, slug, detail, extra)


async def _call(
    service: str, client: httpx.AsyncClient, method: str, url: str, **kwargs: Any
) -> dict[str, Any]:
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise UpstreamProblem(504, f"{service}-timeout", f"{service} did not answer in time.") from exc
    except httpx.HTTPError as exc:
        raise UpstreamProblem(503, f"{service}-unavailable", f"{service} is unavailable.") from exc
    if not response.is_success:
        raise _problem(service, response)
    try:
        body = response.json()
    except ValueError as exc:
        raise UpstreamProblem(502, f"{service}-error", f"{service} answered garbage.") from exc
    if not isinstance(body, dict):
        raise UpstreamProblem(502, f"{service}-error", f"{service} answered garbage.")
    return body


def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def parse_booking(body: Mapping[str, Any]) -> Booking:
    try:
        return Booking(
            reference=str(body["booking_reference"]),
            status=str(body["status"]),
            supplier=str(body.get("supplier") or ""),
            supplier_reference=str(body.get("supplier_reference") or ""),
            total_price=Decimal(str(body["total_price"])),
            currency=str(body.get("currency") or "IDR"),
            hold_expires_at=_dt(body.get("hold_expires_at")),
            passengers=list(body.get("passengers") or []),
            contact=dict(body.get("contact") or {}),
            tickets=list(body.get("tickets") or []),
            refund_amount=(
                Decimal(str(body["refund_amount"])) if body.get("refund_amount") is not None else None
            ),
        )
    except (KeyError, ValueError, ArithmeticError) as exc:
        raise UpstreamProblem(502, "booking-service-error", "The booking service answered garbage.") from exc


class HttpBookingGateway:
    """One pooled client per service type; the same internal contract behind each."""

    def __init__(self, clients: Mapping[str, httpx.AsyncClient], internal_token: str) -> None:
        self._clients = dict(clients)
        self._headers = internal_headers(internal_token)

    def supports(self, service_type: str) -> bool:
        return service_type in self._clients

    def _client(self, service_type: str) -> httpx.AsyncClient:
        return self._clients[service_type]

    async def hold(self, service_type: str, idempotency_key: str, request: HoldRequest) -> Booking:
        body = await _call(
            "booking-service",
            self._client(service_type),
            "POST",
            "/internal/bookings",
            json={"offer_id": request.offer_id, "passengers": request.passengers, "contact": request.contact},
            headers={**self._headers, "Idempotency-Key": idempotency_key},
        )
        return parse_booking(body)

    async def issue(self, service_type: str, reference: str) -> Booking:
        body = await _call(
            "booking-service",
            self._client(service_type),
            "POST",
            f"/internal/bookings/{reference}/issue",
            headers=self._headers,
        )
        return parse_booking(body)

    async def cancel(self, service_type: str, reference: str) -> Booking:
        body = await _call(
            "booking-service",
            self._client(service_type),
            "POST",
            f"/internal/bookings/{reference}/cancel",
            headers=self._headers,
        )
        return parse_booking(body)


def _money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else "0"))


def parse_charge(body: Mapping[str, Any]) -> Charge:
    try:
        return Charge(
            order_id=str(body["order_id"]),
            status=str(body["status"]),
            transaction_status=body.get("transaction_status"),
            token=body.get("token"),
            redirect_url=body.get("redirect_url"),
            gross_amount=_money(body.get("gross_amount")),
            currency=str(body.get("currency") or "IDR"),
            payment_type=body.get("payment_type"),
            gateway_transaction_id=body.get("gateway_transaction_id"),
            refunded_amount=_money(body.get("refunded_amount")),
            expires_at=_dt(body.get("expires_at")),
            raw=dict(body),
        )
    except (KeyError, ValueError, ArithmeticError) as exc:
        raise UpstreamProblem(502, "payment-service-error", "payment-service answered garbage.") from exc


def _amount(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


class HttpPaymentGateway:
    def __init__(self, client: httpx.AsyncClient, internal_token: str) -> None:
        self._client = client
        self._headers = internal_headers(internal_token)

    async def create_charge(self, idempotency_key: str, request: ChargeRequest) -> Charge:
        body = await _call(
            "payment-service",
            self._client,
            "POST",
            "/internal/charges",
            json={
                "order_id": request.order_id,
                "gross_amount": _amount(request.gross_amount),
                "currency": request.currency,
                "item_details": [
                    {"id": i.id, "name": i.name, "price": _amount(i.price), "quantity": i.quantity}
                    for i in request.items
                ],
                "customer_details": request.customer,
                "expiry_minutes": request.expiry_minutes,
            },
            headers={**self._headers, "Idempotency-Key": idempotency_key},
        )
        return parse_charge(body)

    async def sync(self, order_id: str) -> Charge:
        body = await _call(
            "payment-service",
            self._client,
            "POST",
            f"/internal/charges/{order_id}/sync",
            headers=self._headers,
        )
        return parse_charge(body)

    async def cancel(self, order_id: str) -> Charge:
        try:
            body = await _call(
                "payment-service",
                self._client,
                "POST",
                f"/internal/charges/{order_id}/cancel",
                headers=self._headers,
            )
        except UpstreamProblem as exc:
            if exc.status == 409 and exc.slug == "charge-paid":
                raise ChargePaid() from exc
            raise
        return parse_charge(body)

    async def refund(self, order_id: str, refund_key: str, amount: Decimal, reason: str) -> RefundResult:
        body = await _call(
            "payment-service",
            self._client,
            "POST",
            f"/internal/charges/{order_id}/refunds",
            json={"amount": _amount(amount), "reason": reason},
            headers={**self._headers, "Idempotency-Key": refund_key},
        )
        try:
            return RefundResult(
                refund_key=str(body.get("refund_key") or refund_key),
                amount=_money(body["amount"]),
                refunded_amount=_money(body.get("refunded_amount")),
                transaction_status=body.get("transaction_status"),
            )
        except (KeyError, ValueError, ArithmeticError) as exc:
            raise UpstreamProblem(502, "payment-service-error", "payment-service answered garbage.") from exc
