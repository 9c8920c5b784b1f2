"""The one place flights domain errors become HTTP problems."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import ValidationError

from domain.errors import (
    BookingCancelled,
    BookingNotFound,
    HoldExpired,
    HoldRefused,
    InvalidBooking,
    InvalidSearch,
    OfferExpired,
    OfferNotFound,
    PriceChanged,
    SupplierRejected,
    SupplierTimeout,
    SupplierUnavailable,
    TransitionNotAllowed,
    UnknownSupplier,
)
from shared.errors import ProblemSpec, problem_response
from shared.idempotency import IdempotencyKeyReused, Replay, RequestStillRunning
from shared.money import money_string

ERROR_MAP: dict[type[Exception], ProblemSpec] = {
    InvalidSearch: ProblemSpec(422, "invalid-search", "Invalid search"),
    OfferNotFound: ProblemSpec(410, "offer-expired", "Offer expired or unknown"),
    OfferExpired: ProblemSpec(410, "offer-expired", "Offer expired or unknown"),
    UnknownSupplier: ProblemSpec(410, "offer-expired", "Offer expired or unknown"),
    SupplierUnavailable: ProblemSpec(503, "supplier-unavailable", "Supplier unavailable"),
    SupplierTimeout: ProblemSpec(504, "supplier-timeout", "Supplier timed out"),
    SupplierRejected: ProblemSpec(502, "supplier-rejected", "Supplier refused the request"),
    PriceChanged: ProblemSpec(409, "price-changed", "Price changed"),
    # the booking contract
    InvalidBooking: ProblemSpec(422, "invalid-booking", "Invalid booking request"),
    IdempotencyKeyReused: ProblemSpec(422, "idempotency-key-reused", "Idempotency key reused"),
    RequestStillRunning: ProblemSpec(409, "request-in-progress", "Request still in progress"),
    HoldRefused: ProblemSpec(409, "sold-out", "Sold out"),
    BookingNotFound: ProblemSpec(404, "booking-not-found", "Booking not found"),
    HoldExpired: ProblemSpec(409, "hold-expired", "Hold expired"),
    BookingCancelled: ProblemSpec(409, "booking-cancelled", "Booking cancelled"),
    TransitionNotAllowed: ProblemSpec(409, "invalid-transition", "Status change not allowed"),
}

# A hold's refusals that are answers, not accidents: recorded under the Idempotency-Key and
# replayed to a retry (a supplier outage is not: the retry tries again).
BUSINESS_REFUSALS: tuple[type[Exception], ...] = (
    PriceChanged,
    HoldRefused,
    OfferExpired,
    OfferNotFound,
    UnknownSupplier,
)


def _body(response: JSONResponse) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(bytes(response.body))
    return body


def business_answer(exc: BaseException) -> Replay | None:
    """The problem a business refusal is answered with (the same on every replay); None for
    anything else, which the idempotency store then forgets."""
    if isinstance(exc, PriceChanged):
        # The new total, so the caller can show it and hold again with a new key to accept it.
        body = _body(problem_response(409, "price-changed", str(exc), title="Price changed"))
        body.update(
            total_price=money_string(exc.current),
            previous_total_price=money_string(exc.previous),
            currency="IDR",
        )
        return Replay(409, body)
    if isinstance(exc, BUSINESS_REFUSALS):
        spec = ERROR_MAP[type(exc)]
        return Replay(
            spec.status, _body(problem_response(spec.status, spec.slug, str(exc), title=spec.title))
        )
    return None


def _problem_loc(field: str) -> list[str | int]:
    return [int(part) if part.isdigit() else part for part in field.split(".")]


def invalid_booking(exc: InvalidBooking) -> JSONResponse:
    """422 listing every broken flight rule at once, located in the caller's booking_details."""
    return problem_response(
        422,
        "invalid-booking",
        str(exc),
        title="Invalid booking request",
        errors=[
            {
                "loc": ["body", "booking_details", *_problem_loc(p.field)],
                "msg": p.message,
                "type": "invalid_booking",
            }
            for p in exc.problems
        ],
    )


def invalid_details(exc: ValidationError) -> JSONResponse:
    """booking_details of the wrong shape: to the caller, broken product rules like any other."""
    errors = [
        {"loc": ["body", "booking_details", *e["loc"]], "msg": e["msg"], "type": e["type"]}
        for e in exc.errors()
    ]
    detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'][2:])}: {e['msg']}" for e in errors)
    return problem_response(422, "invalid-booking", detail, title="Invalid booking request", errors=errors)
