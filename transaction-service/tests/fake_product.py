"""A product service in memory that speaks the booking contract (docs/booking-contract.md), as a
small FastAPI app: the proof that transaction-service buys any product through configuration
alone. It is what a PPOB biller, an on-request hotel or a ferry operator looks like from the
money path, with the knobs the tests need:

- `holds_inventory`: True reserves units (the last one goes to one buyer; a hold lapses and
  reads `expired`), False answers a validated quote that reserves nothing;
- `next_issue(...)`: the next issue finishes at once (`issued`), or answers `pending` and settles
  later (`settle(reference)`) as `issued` or `failed`;
- `cancellable_after_issue`: False answers 409 `not-cancellable` for an issued booking (a
  delivered PLN token);
- `refund_after_issue`: what cancelling an issued booking gives back (`refund_amount`): the
  quote's total (`"total"`, the default), an amount (a fee kept; `Decimal("0.00")` for a
  non-refundable rate), or None (the supplier names no amount);
- `cancel_problem`: `(status, slug)` that every cancel answers while set (a supplier down: 503).

Its booking_details: `{"customer_number": "<10-13 digits>", "contact": {"name", "email",
"phone"}}`. Wire it into transaction-service with `PRODUCT_SERVICES` and `install()` (respx
hands the HTTP calls made to its base URL to the app in-process).
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx
import respx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from shared.errors import problem_response
from shared.idempotency import request_fingerprint
from shared.money import money_string

Outcome = Literal["issued", "pending-issued", "pending-failed"]
PHONE = re.compile(r"^(\+62|0)8\d{7,11}$")
CUSTOMER_NUMBER = re.compile(r"^\d{10,13}$")


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Offer:
    items: list[tuple[str, int, Decimal]]
    units: int

    @property
    def total(self) -> Decimal:
        return sum((quantity * price for _, quantity, price in self.items), Decimal(0))


@dataclass
class FakeProduct:
    token: str
    service_type: str = "ppob"
    holds_inventory: bool = False
    cancellable_after_issue: bool = True
    refund_after_issue: Decimal | Literal["total"] | None = "total"
    cancel_problem: tuple[int, str] | None = None
    hold_minutes: int = 15
    supplier: str = "fakebiller"
    offers: dict[str, Offer] = field(default_factory=dict)
    bookings: dict[str, dict[str, Any]] = field(default_factory=dict)
    keys: dict[str, tuple[str, int, dict[str, Any]]] = field(default_factory=dict)
    outcomes: list[Outcome] = field(default_factory=list)
    settles_as: dict[str, Literal["issued", "failed"]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)
    clock_offset: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        self._lock = asyncio.Lock()
        self.app = self._build_app()

    # --- the knobs ---------------------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.now(UTC) + self.clock_offset

    def offer(self, items: list[tuple[str, int, Decimal]] | None = None, units: int = 100) -> str:
        offer_id = f"offer-{uuid.uuid4().hex[:12]}"
        self.offers[offer_id] = Offer(
            items or [("Token PLN 50.000", 1, Decimal("50000.00")), ("Biaya admin", 1, Decimal("2500.00"))],
            units,
        )
        return offer_id

    def next_issue(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)

    def settle(self, reference: str) -> None:
        """The supplier's late answer for a pending booking."""
        booking = self.bookings[reference]
        assert booking["status"] == "pending", booking
        if self.settles_as.pop(reference) == "issued":
            self._issued(booking)
        else:
            booking["status"] = "failed"
            booking["failure_reason"] = "The biller refused the customer number: it is blocked."
        booking["updated_at"] = _iso(self.now())

    def install(self, router: respx.MockRouter, base_url: str) -> None:
        """Hands every call made to `base_url` to this app, in-process."""
        transport = httpx.ASGITransport(app=self.app)

        async def forward(request: httpx.Request) -> httpx.Response:
            async with httpx.AsyncClient(transport=transport, base_url=base_url) as client:
                answer = await client.send(
                    client.build_request(
                        request.method, str(request.url), headers=request.headers, content=request.content
                    )
                )
            return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)

        router.route(host=urlsplit(base_url).hostname).mock(side_effect=forward)

    # --- the contract ------------------------------------------------------------------------

    def _build_app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/internal/bookings")
        async def hold(request: Request) -> JSONResponse:
            return await self._hold(request)

        @app.get("/internal/bookings/{reference}")
        async def read(reference: str, request: Request) -> JSONResponse:
            return self._answer(request, reference, "get")

        @app.post("/internal/bookings/{reference}/issue")
        async def issue(reference: str, request: Request) -> JSONResponse:
            return self._answer(request, reference, "issue")

        @app.post("/internal/bookings/{reference}/cancel")
        async def cancel(reference: str, request: Request) -> JSONResponse:
            return self._answer(request, reference, "cancel")

        return app

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("x-internal-token") == self.token

    async def _hold(self, request: Request) -> JSONResponse:
        self.calls.append("hold")
        if not self._authorised(request):
            return problem_response(404, "not-found")
        key = request.headers.get("idempotency-key") or ""
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not 1 <= len(key) <= 200 or not _hold_shape(body):
            return problem_response(422, "validation-error", "The body or the Idempotency-Key is malformed.")
        fingerprint = request_fingerprint(body)
        async with self._lock:
            if key in self.keys:
                recorded_fingerprint, status, answer = self.keys[key]
                if recorded_fingerprint != fingerprint:
                    return problem_response(422, "idempotency-key-reused")
                return JSONResponse(answer, status_code=status, media_type=_media(status))
            status, answer = self._new_booking(body["offer_id"], body["booking_details"])
            self.keys[key] = (fingerprint, status, answer)
        return JSONResponse(answer, status_code=status, media_type=_media(status))

    def _new_booking(self, offer_id: str, details: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        errors = _broken_rules(details)
        if errors:
            body = problem_response(422, "invalid-booking", "The booking details break the product's rules.")
            return 422, {**_json(body), "errors": errors}
        offer = self.offers.get(offer_id)
        if offer is None:
            return 410, _json(problem_response(410, "offer-expired"))
        if self.holds_inventory and offer.units < 1:
            return 409, _json(problem_response(409, "sold-out"))
        if self.holds_inventory:
            offer.units -= 1
        now = self.now()
        contact = details["contact"]
        first, _, last = str(contact["name"]).strip().partition(" ")
        reference = str(uuid.uuid4())
        booking = {
            "booking_reference": reference,
            "service_type": self.service_type,
            "offer_id": offer_id,
            "status": "held",
            "supplier": self.supplier,
            "supplier_reference": f"FB-{reference[:8].upper()}",
            "holds_inventory": self.holds_inventory,
            "hold_expires_at": _iso(now + timedelta(minutes=self.hold_minutes)),
            "quote": {
                "items": [
                    {"description": d, "quantity": q, "unit_price": money_string(p)}
                    for d, q, p in offer.items
                ],
                "total": money_string(offer.total),
                "currency": "IDR",
            },
            "customer": {
                "first_name": first,
                "last_name": last,
                "email": contact["email"],
                "phone": "+62" + str(contact["phone"]).removeprefix("+62").removeprefix("0"),
            },
            "booking_details": {"customer_number": details["customer_number"], "contact": dict(contact)},
            "documents": [],
            "failure_reason": None,
            "refund_amount": None,
            "created_at": _iso(now),
            "updated_at": _iso(now),
        }
        self.bookings[reference] = booking
        return 201, dict(booking)

    def _answer(self, request: Request, reference: str, action: str) -> JSONResponse:
        self.calls.append(action)
        if not self._authorised(request):
            return problem_response(404, "not-found")
        booking = self.bookings.get(reference)
        if booking is None:
            return problem_response(404, "booking-not-found")
        self._lapse(booking)
        if action == "issue":
            refusal = self._issue(booking)
        elif action == "cancel":
            down = self.cancel_problem
            refusal = self._cancel(booking) if down is None else problem_response(*down)
        else:
            refusal = None
        return refusal or JSONResponse(booking)

    def _lapse(self, booking: dict[str, Any]) -> None:
        expires = datetime.fromisoformat(booking["hold_expires_at"].replace("Z", "+00:00"))
        if booking["status"] == "held" and self.now() >= expires:
            booking["status"] = "expired"
            booking["updated_at"] = _iso(self.now())
            if self.holds_inventory:
                self.offers[booking["offer_id"]].units += 1

    def _issue(self, booking: dict[str, Any]) -> JSONResponse | None:
        status = booking["status"]
        if status == "cancelled":
            return problem_response(409, "booking-cancelled")
        if status == "expired":
            return problem_response(409, "hold-expired")
        if status != "held":
            return None  # issued, pending, failed: as it is
        outcome = self.outcomes.pop(0) if self.outcomes else "issued"
        if outcome == "issued":
            self._issued(booking)
        else:
            booking["status"] = "pending"
            self.settles_as[booking["booking_reference"]] = (
                "issued" if outcome == "pending-issued" else "failed"
            )
        booking["updated_at"] = _iso(self.now())
        return None

    def _issued(self, booking: dict[str, Any]) -> None:
        booking["status"] = "issued"
        booking["documents"] = [
            {
                "kind": "pln-token",
                "reference": "5723 1190 4452 8801 2634",
                "title": "Token PLN 50.000",
                "fields": {"customer_number": booking["booking_details"]["customer_number"], "kwh": "34.5"},
            }
        ]

    def _cancel(self, booking: dict[str, Any]) -> JSONResponse | None:
        status = booking["status"]
        if status in ("cancelled", "expired", "failed"):
            return None
        if status == "pending" or (status == "issued" and not self.cancellable_after_issue):
            return problem_response(409, "not-cancellable", "The token has been delivered.")
        if status == "issued":
            refund = self.refund_after_issue
            if refund == "total":
                booking["refund_amount"] = booking["quote"]["total"]
            else:
                booking["refund_amount"] = None if refund is None else money_string(refund)
        elif self.holds_inventory:
            self.offers[booking["offer_id"]].units += 1
        booking["status"] = "cancelled"
        booking["updated_at"] = _iso(self.now())
        return None


def _hold_shape(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and set(body) == {"offer_id", "booking_details"}
        and isinstance(body["offer_id"], str)
        and isinstance(body["booking_details"], dict)
    )


def _broken_rules(details: dict[str, Any]) -> list[dict[str, Any]]:
    """Every broken rule at once, located as the client wrote it in POST /orders/."""
    errors: list[dict[str, Any]] = []

    def broken(loc: list[str | int], msg: str) -> None:
        errors.append({"loc": ["body", "booking_details", *loc], "msg": msg, "type": "value_error"})

    if not CUSTOMER_NUMBER.match(str(details.get("customer_number", ""))):
        broken(["customer_number"], "a PLN customer number is 10 to 13 digits")
    contact = details.get("contact")
    if not isinstance(contact, dict):
        broken(["contact"], "contact is required")
        return errors
    if not str(contact.get("name", "")).strip():
        broken(["contact", "name"], "a name is required")
    if "@" not in str(contact.get("email", "")):
        broken(["contact", "email"], "not an email address")
    if not PHONE.match(str(contact.get("phone", ""))):
        broken(["contact", "phone"], "not an Indonesian mobile number")
    return errors


def _json(response: JSONResponse) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(bytes(response.body))
    return body


def _media(status: int) -> str:
    return "application/json" if status < 400 else "application/problem+json"
