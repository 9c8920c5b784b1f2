"""The one place ferries domain errors become HTTP problems (the booking contract's slugs)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.responses import JSONResponse

from domain.bookings import TransitionNotAllowed
from domain.errors import (
    BookingCancelled,
    BookingNotFound,
    FieldProblem,
    HoldExpired,
    InvalidBooking,
    InvalidSearch,
    NotCancellable,
    OfferExpired,
    PriceChanged,
    SailingCancelled,
    SoldOut,
    SupplierRejected,
    SupplierTimeout,
    SupplierUnavailable,
)
from shared.errors import ProblemSpec, problem_response
from shared.idempotency import IdempotencyKeyReused, RequestStillRunning

ERROR_MAP: dict[type[Exception], ProblemSpec] = {
    InvalidSearch: ProblemSpec(422, "invalid-search", "Invalid search"),
    OfferExpired: ProblemSpec(410, "offer-expired", "Offer expired or unknown"),
    SailingCancelled: ProblemSpec(410, "offer-expired", "Offer expired or unknown"),
    SupplierTimeout: ProblemSpec(504, "supplier-timeout", "Supplier timed out"),
    SupplierUnavailable: ProblemSpec(503, "supplier-unavailable", "Supplier unavailable"),
    SupplierRejected: ProblemSpec(502, "supplier-rejected", "Supplier refused the request"),
    PriceChanged: ProblemSpec(409, "price-changed", "Price changed"),
    SoldOut: ProblemSpec(409, "sold-out", "Sold out"),
    InvalidBooking: ProblemSpec(422, "invalid-booking", "Invalid booking request"),
    IdempotencyKeyReused: ProblemSpec(422, "idempotency-key-reused", "Idempotency key reused"),
    RequestStillRunning: ProblemSpec(409, "request-in-progress", "Request still in progress"),
    BookingNotFound: ProblemSpec(404, "booking-not-found", "Booking not found"),
    HoldExpired: ProblemSpec(409, "hold-expired", "Hold expired"),
    BookingCancelled: ProblemSpec(409, "booking-cancelled", "Booking cancelled"),
    NotCancellable: ProblemSpec(409, "not-cancellable", "Not cancellable"),
    TransitionNotAllowed: ProblemSpec(409, "invalid-transition", "Status change not allowed"),
}

# Answers to a hold that are business outcomes: recorded under the Idempotency-Key and replayed.
# An unavailable or slow operator is not among them: a retry with the same key tries again.
RECORDED_HOLD_ERRORS = (
    PriceChanged,
    SoldOut,
    OfferExpired,
    SailingCancelled,
    InvalidBooking,
    SupplierRejected,
)


def _loc(problem: FieldProblem, root: str) -> list[str | int]:
    parts = [int(p) if p.isdigit() else p for p in problem.field.split(".") if p]
    return ["body", root, *parts] if root else ["query", *parts]


def field_errors(problems: list[FieldProblem], root: str, kind: str) -> list[dict[str, Any]]:
    return [{"loc": _loc(p, root), "msg": p.message, "type": kind} for p in problems]


def problem_for(exc: Exception) -> JSONResponse:
    """The problem document for a domain error, with the members some problems carry."""
    if isinstance(exc, PriceChanged):
        response = problem_response(409, "price-changed", str(exc), title="Price changed")
        body = json.loads(bytes(response.body))
        body |= {
            "total_price": f"{exc.current:.2f}",
            "previous_total_price": f"{exc.previous:.2f}",
            "currency": "IDR",
        }
        return JSONResponse(body, status_code=409, media_type=response.media_type)
    if isinstance(exc, InvalidBooking):
        return problem_response(
            422,
            "invalid-booking",
            str(exc),
            title="Invalid booking request",
            errors=field_errors(exc.problems, "booking_details", "invalid_booking"),
        )
    if isinstance(exc, InvalidSearch):
        return problem_response(
            422,
            "invalid-search",
            str(exc),
            title="Invalid search",
            errors=field_errors(exc.problems, "", "invalid_search"),
        )
    for exc_type in type(exc).__mro__:
        spec = ERROR_MAP.get(exc_type)
        if spec is not None:
            return problem_response(spec.status, spec.slug, str(exc) or None, title=spec.title)
    raise exc
