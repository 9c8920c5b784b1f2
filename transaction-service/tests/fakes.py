"""flights-service's booking contract (docs/booking-contract.md) and payment-service's internal
charges API, faked with respx in their real payload shapes."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import respx

from shared import signing
from shared.tokens import AccountState

FLIGHTS_URL = "http://flights.test"
PAYMENT_URL = "http://payment.test"
INTERNAL_TOKEN = "test-internal-token-0123456789abcdef"
WEBHOOK_SECRET = "test-payment-webhook-secret-0123456789abcdef"
PROBLEM = "https://docs.tiketq.id/problems/"


def now() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def problem(status: int, slug: str, **extra: Any) -> httpx.Response:
    body = {"type": PROBLEM + slug, "title": slug, "status": status, "detail": slug, **extra}
    return httpx.Response(status, json=body, headers={"content-type": "application/problem+json"})


class Accounts:
    """auth-service's account states, as the token verifier asks for them."""

    def __init__(self) -> None:
        self.roles: dict[str, str] = {}

    async def get(self, account_id: str) -> AccountState | None:
        role = self.roles.get(account_id)
        return None if role is None else AccountState(role=role, is_active=True, token_version=0)


def flight_booking(
    ref: str, offer_id: str, details: dict[str, Any], total: Decimal, hold_minutes: int
) -> dict[str, Any]:
    """A held flight booking as flights-service answers it: one quote line per passenger."""
    created = now()
    passengers = [{**p, "title": p.get("title", "mr")} for p in details["passengers"]]
    contact = {"email": details["contact"]["email"], "phone": "+6281234567890"}
    per_person = total / len(passengers)
    first = passengers[0]
    return {
        "booking_reference": ref,
        "service_type": "flight",
        "offer_id": offer_id,
        "status": "held",
        "supplier": "duffel",
        "supplier_reference": "HJK1EY",
        "holds_inventory": True,
        "hold_expires_at": iso(created + timedelta(minutes=hold_minutes)),
        "quote": {
            "items": [
                {
                    "description": "Adult fare CGK-DPS GA 410 2026-12-20",
                    "quantity": len(passengers),
                    "unit_price": f"{per_person:.2f}",
                }
            ],
            "total": f"{total:.2f}",
            "currency": "IDR",
        },
        "customer": {
            "first_name": first["first_name"],
            "last_name": first["last_name"],
            "email": contact["email"],
            "phone": contact["phone"],
        },
        "booking_details": {"passengers": passengers, "contact": contact},
        "documents": [],
        "failure_reason": None,
        "refund_amount": None,
        "created_at": iso(created),
        "updated_at": iso(created),
    }


@dataclass
class FakeFlights:
    """flights-service's side of the booking contract: POST /internal/bookings, GET
    /internal/bookings/{ref}, POST /{ref}/issue, POST /{ref}/cancel."""

    total: Decimal = Decimal("1500000.00")
    hold_minutes: int = 20
    bookings: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)
    hold_problem: httpx.Response | None = None
    issue_problem: httpx.Response | None = None
    cancel_problem: httpx.Response | None = None
    supplier_refund: Decimal = Decimal("1350000.00")
    calls: list[str] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    # A product that quotes lines which do not add up to its total (it must be refused).
    wrong_unit_price: str | None = None

    def install(self, router: respx.MockRouter) -> None:
        router.post(f"{FLIGHTS_URL}/internal/bookings").mock(side_effect=self._hold)
        router.get(url__regex=rf"{FLIGHTS_URL}/internal/bookings/(?P<ref>[^/]+)$").mock(side_effect=self._get)
        router.post(url__regex=rf"{FLIGHTS_URL}/internal/bookings/(?P<ref>[^/]+)/issue").mock(
            side_effect=self._issue
        )
        router.post(url__regex=rf"{FLIGHTS_URL}/internal/bookings/(?P<ref>[^/]+)/cancel").mock(
            side_effect=self._cancel
        )

    def _auth(self, request: httpx.Request) -> httpx.Response | None:
        if request.headers.get("x-internal-token") != INTERNAL_TOKEN:
            return problem(404, "not-found")
        return None

    def _hold(self, request: httpx.Request) -> httpx.Response:
        self.calls.append("hold")
        if (denied := self._auth(request)) is not None:
            return denied
        key = request.headers["idempotency-key"]
        if key in self.keys:
            return httpx.Response(201, json=self.bookings[self.keys[key]])
        if self.hold_problem is not None:
            return self.hold_problem
        body = json.loads(request.content)
        self.requests.append(body)
        ref = str(uuid.uuid4())
        booking = flight_booking(
            ref, body["offer_id"], body["booking_details"], self.total, self.hold_minutes
        )
        if self.wrong_unit_price is not None:
            booking["quote"]["items"][0]["unit_price"] = self.wrong_unit_price
        self.bookings[ref] = booking
        self.keys[key] = ref
        return httpx.Response(201, json=booking)

    def _get(self, request: httpx.Request, ref: str) -> httpx.Response:
        self.calls.append("get")
        if (denied := self._auth(request)) is not None:
            return denied
        if ref not in self.bookings:
            return problem(404, "booking-not-found")
        return httpx.Response(200, json=self.bookings[ref])

    def _issue(self, request: httpx.Request, ref: str) -> httpx.Response:
        self.calls.append("issue")
        if (denied := self._auth(request)) is not None:
            return denied
        if self.issue_problem is not None:
            return self.issue_problem
        booking = self.bookings[ref]
        booking["status"] = "issued"
        booking["documents"] = [
            {
                "kind": "e-ticket",
                "reference": f"975-61849593{i:02d}",
                "title": f"E-ticket {p['first_name']} {p['last_name']}",
                "fields": {"passenger": f"{p['first_name']} {p['last_name']}", "flight": "GA 410"},
            }
            for i, p in enumerate(booking["booking_details"]["passengers"])
        ]
        return httpx.Response(200, json=booking)

    def _cancel(self, request: httpx.Request, ref: str) -> httpx.Response:
        self.calls.append("cancel")
        if (denied := self._auth(request)) is not None:
            return denied
        if self.cancel_problem is not None:
            return self.cancel_problem
        booking = self.bookings[ref]
        if booking["status"] == "issued":
            # Cancelled at the supplier: the documents stay listed (void); Duffel quotes a refund.
            booking["refund_amount"] = str(self.supplier_refund)
        if booking["status"] in ("held", "issued"):
            booking["status"] = "cancelled"
        return httpx.Response(200, json=booking)


@dataclass
class FakePayments:
    """payment-service's /internal/charges API."""

    charges: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    refund_problem: httpx.Response | None = None
    charge_problem: httpx.Response | None = None
    calls: list[str] = field(default_factory=list)

    def install(self, router: respx.MockRouter) -> None:
        base = rf"{PAYMENT_URL}/internal/charges/(?P<order_id>[^/]+)"
        router.post(f"{PAYMENT_URL}/internal/charges").mock(side_effect=self._create)
        router.post(url__regex=base + "/sync").mock(side_effect=self._sync)
        router.post(url__regex=base + "/cancel").mock(side_effect=self._cancel)
        router.post(url__regex=base + "/refunds").mock(side_effect=self._refund)

    def _create(self, request: httpx.Request) -> httpx.Response:
        self.calls.append("charge")
        if request.headers.get("x-internal-token") != INTERNAL_TOKEN:
            return problem(404, "not-found")
        if self.charge_problem is not None:
            return self.charge_problem
        body = json.loads(request.content)
        self.requests.append(body)
        order_id = body["order_id"]
        if order_id in self.charges:
            return httpx.Response(201, json=self.charges[order_id])
        created = now()
        token = uuid.uuid4().hex
        charge = {
            "charge_id": str(uuid.uuid4()),
            "order_id": order_id,
            "gateway": body.get("gateway") or "midtrans",
            "status": "pending",
            "transaction_status": None,
            "token": token,
            "redirect_url": f"http://sandbox.test/midtrans/snap/v2/vtweb/{token}",
            "gross_amount": body["gross_amount"],
            "currency": "IDR",
            "payment_type": None,
            "gateway_transaction_id": None,
            "refunded_amount": "0.00",
            "expires_at": iso(created + timedelta(minutes=body["expiry_minutes"])),
            "created_at": iso(created),
            "updated_at": iso(created),
        }
        self.charges[order_id] = charge
        return httpx.Response(201, json=charge)

    def settle(self, order_id: str, status: str = "paid", transaction_status: str = "settlement") -> None:
        charge = self.charges[order_id]
        charge.update(status=status, transaction_status=transaction_status)
        if status == "paid":
            charge.update(payment_type="bank_transfer", gateway_transaction_id=str(uuid.uuid4()))

    def _sync(self, request: httpx.Request, order_id: str) -> httpx.Response:
        self.calls.append("sync")
        if order_id not in self.charges:
            return problem(404, "charge-not-found")
        return httpx.Response(200, json=self.charges[order_id])

    def _cancel(self, request: httpx.Request, order_id: str) -> httpx.Response:
        self.calls.append("cancel")
        charge = self.charges.get(order_id)
        if charge is None:
            return problem(404, "charge-not-found")
        if charge["status"] == "paid":
            return problem(409, "charge-paid")
        charge.update(status="cancelled", transaction_status="cancel")
        return httpx.Response(200, json=charge)

    def _refund(self, request: httpx.Request, order_id: str) -> httpx.Response:
        self.calls.append("refund")
        key = request.headers["idempotency-key"]
        if key in self.refunds:
            return httpx.Response(201, json=self.refunds[key])
        if self.refund_problem is not None:
            return self.refund_problem
        body = json.loads(request.content)
        charge = self.charges[order_id]
        refunded = Decimal(charge["refunded_amount"]) + Decimal(body["amount"])
        full = refunded >= Decimal(charge["gross_amount"])
        charge.update(
            refunded_amount=str(refunded),
            status="refunded" if full else "partially_refunded",
            transaction_status="refund" if full else "partial_refund",
        )
        result = {
            "refund_key": key,
            "order_id": order_id,
            "amount": body["amount"],
            "reason": body["reason"],
            "status": "succeeded",
            "transaction_status": charge["transaction_status"],
            "refunded_amount": str(refunded),
            "created_at": iso(now()),
        }
        self.refunds[key] = result
        return httpx.Response(201, json=result)


def payment_event(
    order_id: str,
    status: str,
    transaction_status: str,
    *,
    gross_amount: str = "1500000.00",
    refunded_amount: str = "0.00",
    fraud_status: str | None = "accept",
    secret: str = WEBHOOK_SECRET,
    signed_at: float | None = None,
) -> tuple[bytes, dict[str, str], str]:
    """payment.status_changed exactly as payment-service's relay posts it (SignedWebhookDelivery)."""
    event_id = str(
        uuid.uuid5(
            uuid.NAMESPACE_URL, f"midtrans:{order_id}:{transaction_status}:{fraud_status}:{refunded_amount}"
        )
    )
    data = {
        "order_id": order_id,
        "gateway": "midtrans",
        "gateway_transaction_id": "9aed5972-5b6a-401e-894b-a32c91ed1a3a",
        "status": status,
        "transaction_status": transaction_status,
        "fraud_status": fraud_status,
        "status_code": "200" if status == "paid" else "201" if status == "pending" else "202",
        "payment_type": "bank_transfer",
        "gross_amount": gross_amount,
        "currency": "IDR",
        "settlement_time": "2026-11-27T03:10:00+00:00" if status == "paid" else None,
        "refunded_amount": refunded_amount,
        "observed_at": "2026-11-27T03:10:01+00:00",
    }
    envelope = {
        "event_id": event_id,
        "topic": "payment.status_changed",
        "occurred_at": "2026-11-27T03:10:01+00:00",
        "data": data,
    }
    body = json.dumps(envelope, separators=(",", ":")).encode()
    return body, signing.signed_headers(secret, body, event_id, now=signed_at), event_id
