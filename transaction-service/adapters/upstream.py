"""httpx adapters for the two kinds of service the money path calls:

- HttpBookingGateway: the booking contract (docs/booking-contract.md) on the product service of
  an order's service_type, one pooled client per configured base URL.
- HttpPaymentGateway: payment-service's `/internal/charges` API.

HTTP ends here: an answer that is a problem is raised as a business-named error carrying the
other side's slug, detail and extra members (so a product's 409 price-changed reaches our caller
with the new price); transport failures become "unavailable" / "timeout" errors, which the use
cases treat as worth retrying.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from domain.errors import (
    BookingRefused,
    ChargeNotFound,
    ChargePaid,
    PassedOn,
    PaymentGatewayRejected,
    PaymentRefused,
    PaymentServiceUnavailable,
    ProductAnswerInvalid,
    ProductTimeout,
    ProductUnavailable,
)
from domain.models import BookingStatus
from domain.ports import Booking, Charge, ChargeRequest, Customer, HoldRequest, Quote, QuoteItem, RefundResult
from shared.internal import internal_headers
from shared.money import money_string

logger = logging.getLogger("transaction_service.upstream")

_PROBLEM_MEMBERS = {"type", "title", "status", "detail", "request_id", "instance"}


def _problem_parts(service: str, response: httpx.Response) -> tuple[str, str | None, dict[str, Any]]:
    """(slug, detail, extra members) of a problem answer; a body that is no problem gets
    `<service>-error`."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return f"{service}-error", f"{service} answered {response.status_code}.", {}
    slug = str(body.get("type", "")).rstrip("/").rsplit("/", 1)[-1] or f"{service}-error"
    extra = {k: v for k, v in body.items() if k not in _PROBLEM_MEMBERS}
    detail = body.get("detail") if isinstance(body.get("detail"), str) else None
    return slug, detail, extra


async def _send(client: httpx.AsyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
    return await client.request(method, url, **kwargs)


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _dt(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{value!r} is not a decimal string")
    amount = Decimal(str(value))
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not finite")
    return amount


# --- the booking contract ---------------------------------------------------------------------


def parse_booking(body: Mapping[str, Any]) -> Booking:
    """A booking as the contract writes it; anything missing or malformed → ProductAnswerInvalid."""
    try:
        quote = body["quote"]
        customer = body["customer"]
        documents = body.get("documents") or []
        details = body.get("booking_details") or {}
        if not isinstance(quote, dict) or not isinstance(customer, dict):
            raise ValueError("quote and customer are objects")
        if not isinstance(documents, list) or not all(isinstance(d, dict) for d in documents):
            raise ValueError("documents is a list of objects")
        if not isinstance(details, dict):
            raise ValueError("booking_details is an object")
        items = tuple(
            QuoteItem(str(i["description"]), int(i["quantity"]), _decimal(i["unit_price"]))
            for i in quote["items"]
        )
        refund = body.get("refund_amount")
        return Booking(
            reference=str(body["booking_reference"]),
            service_type=str(body.get("service_type") or ""),
            status=BookingStatus(str(body["status"])),
            supplier=str(body.get("supplier") or ""),
            supplier_reference=str(body.get("supplier_reference") or ""),
            holds_inventory=bool(body.get("holds_inventory", True)),
            hold_expires_at=_dt(body.get("hold_expires_at")),
            quote=Quote(items, _decimal(quote["total"]), str(quote.get("currency") or "IDR")),
            customer=Customer(
                first_name=str(customer.get("first_name") or ""),
                last_name=str(customer.get("last_name") or ""),
                email=str(customer.get("email") or ""),
                phone=str(customer.get("phone") or ""),
            ),
            details=dict(details),
            documents=[dict(d) for d in documents],
            failure_reason=str(body["failure_reason"]) if body.get("failure_reason") else None,
            refund_amount=_decimal(refund) if refund is not None else None,
        )
    except (KeyError, TypeError, ValueError, InvalidOperation) as exc:
        raise ProductAnswerInvalid(
            f"The booking service answered a booking that breaks the contract: {exc}."
        ) from exc


def _booking_problem(service: str, response: httpx.Response) -> PassedOn:
    """The product's business answers (4xx, and 502 supplier-rejected: the supplier refused)
    are final; 5xx, 429 and answers that are no problem at all are worth retrying."""
    slug, detail, extra = _problem_parts(service, response)
    status = response.status_code
    if status >= 500 and slug == f"{service}-error":
        # Not the product's problem body: it crashed, or something in between answered.
        return ProductUnavailable(slug, detail, extra, answered_status=502)
    if status == 504:
        return ProductTimeout(slug, detail, extra, answered_status=status)
    if (status >= 500 and status != 502) or status == 429:
        return ProductUnavailable(slug, detail, extra, answered_status=status)
    return BookingRefused(slug, detail, extra, answered_status=status)


class HttpBookingGateway:
    """One pooled client per service type; the same contract behind each."""

    def __init__(self, clients: Mapping[str, httpx.AsyncClient], internal_token: str) -> None:
        self._clients = dict(clients)
        self._headers = internal_headers(internal_token)

    def supports(self, service_type: str) -> bool:
        return service_type in self._clients

    async def _call(self, service_type: str, method: str, url: str, **kwargs: Any) -> Booking:
        service = "booking-service"
        try:
            response = await _send(self._clients[service_type], method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise ProductTimeout(
                f"{service}-timeout", f"{service} did not answer in time.", answered_status=504
            ) from exc
        except httpx.HTTPError as exc:
            raise ProductUnavailable(
                f"{service}-unavailable", f"{service} is unavailable.", answered_status=503
            ) from exc
        if not response.is_success:
            raise _booking_problem(service, response)
        body = _json_object(response)
        if body is None:
            raise ProductAnswerInvalid("The booking service answered garbage.")
        return parse_booking(body)

    async def hold(self, service_type: str, idempotency_key: str, request: HoldRequest) -> Booking:
        return await self._call(
            service_type,
            "POST",
            "/internal/bookings",
            json={"offer_id": request.offer_id, "booking_details": request.booking_details},
            headers={**self._headers, "Idempotency-Key": idempotency_key},
        )

    async def get(self, service_type: str, reference: str) -> Booking:
        return await self._call(service_type, "GET", f"/internal/bookings/{reference}", headers=self._headers)

    async def issue(self, service_type: str, reference: str) -> Booking:
        return await self._call(
            service_type, "POST", f"/internal/bookings/{reference}/issue", headers=self._headers
        )

    async def cancel(self, service_type: str, reference: str) -> Booking:
        return await self._call(
            service_type, "POST", f"/internal/bookings/{reference}/cancel", headers=self._headers
        )


# --- payment-service ------------------------------------------------------------------------------


def _money(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else "0"))


def _garbage() -> PaymentServiceUnavailable:
    return PaymentServiceUnavailable(
        "payment-service-error", "payment-service answered garbage.", answered_status=502
    )


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
            gateway=str(body.get("gateway") or "midtrans"),
        )
    except (KeyError, ValueError, ArithmeticError) as exc:
        raise _garbage() from exc


# payment-service's problems that mean something to the money path (its routes/errors.py names
# them); any other problem is classed by its status below.
_CHARGE_PAID = (409, "charge-paid")
_CHARGE_NOT_FOUND = (404, "charge-not-found")


def _payment_problem(response: httpx.Response) -> PassedOn | ChargePaid:
    slug, detail, extra = _problem_parts("payment-service", response)
    status = response.status_code
    if (status, slug) == _CHARGE_PAID:
        return ChargePaid()  # the paid event will settle the order
    if (status, slug) == _CHARGE_NOT_FOUND:
        return ChargeNotFound(slug, detail, extra, answered_status=status)
    if status == 502:
        return PaymentGatewayRejected(slug, detail, extra, answered_status=status)
    if status >= 500 or status == 429:
        return PaymentServiceUnavailable(slug, detail, extra, answered_status=status)
    return PaymentRefused(slug, detail, extra, answered_status=status)


class HttpPaymentGateway:
    def __init__(self, client: httpx.AsyncClient, internal_token: str) -> None:
        self._client = client
        self._headers = internal_headers(internal_token)

    async def _call(self, url: str, **kwargs: Any) -> dict[str, Any]:
        service = "payment-service"
        try:
            response = await _send(self._client, "POST", url, **kwargs)
        except httpx.TimeoutException as exc:
            raise PaymentServiceUnavailable(
                f"{service}-timeout", f"{service} did not answer in time.", answered_status=504
            ) from exc
        except httpx.HTTPError as exc:
            raise PaymentServiceUnavailable(
                f"{service}-unavailable", f"{service} is unavailable.", answered_status=503
            ) from exc
        if not response.is_success:
            raise _payment_problem(response)
        body = _json_object(response)
        if body is None:
            raise _garbage()
        return body

    async def create_charge(self, idempotency_key: str, request: ChargeRequest) -> Charge:
        body = await self._call(
            "/internal/charges",
            json={
                "order_id": request.order_id,
                "gross_amount": money_string(request.gross_amount),
                "currency": request.currency,
                "item_details": [
                    {"id": i.id, "name": i.name, "price": money_string(i.price), "quantity": i.quantity}
                    for i in request.items
                ],
                "customer_details": request.customer,
                "expiry_minutes": request.expiry_minutes,
                **({"gateway": request.gateway} if request.gateway else {}),
            },
            headers={**self._headers, "Idempotency-Key": idempotency_key},
        )
        return parse_charge(body)

    async def sync(self, order_id: str) -> Charge:
        return parse_charge(await self._call(f"/internal/charges/{order_id}/sync", headers=self._headers))

    async def cancel(self, order_id: str) -> Charge:
        return parse_charge(await self._call(f"/internal/charges/{order_id}/cancel", headers=self._headers))

    async def refund(self, order_id: str, refund_key: str, amount: Decimal, reason: str) -> RefundResult:
        body = await self._call(
            f"/internal/charges/{order_id}/refunds",
            json={"amount": money_string(amount), "reason": reason},
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
            raise _garbage() from exc
