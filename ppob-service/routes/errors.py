"""The one place PPOB domain errors become HTTP problems (RFC 9457)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from domain.errors import (
    BookingCancelled,
    BookingNotFound,
    DepositTooLow,
    HoldExpired,
    InvalidBooking,
    InvalidCustomerNumber,
    NoBillYet,
    NotCancellable,
    OfferExpired,
    PriceChanged,
    SupplierRejected,
    SupplierTimeout,
    SupplierUnavailable,
    UnknownMeter,
    UnknownProduct,
    WrongOperator,
)
from domain.models import IllegalTransition
from shared.errors import PROBLEM_BASE, ProblemSpec, problem_response
from shared.idempotency import IdempotencyKeyReused, Replay, RequestStillRunning
from shared.money import money_string

ERROR_MAP: dict[type[Exception], ProblemSpec] = {
    UnknownProduct: ProblemSpec(422, "unknown-product", "Unknown product"),
    InvalidCustomerNumber: ProblemSpec(422, "invalid-customer-number", "Invalid customer number"),
    WrongOperator: ProblemSpec(422, "wrong-operator", "Number of another operator"),
    UnknownMeter: ProblemSpec(422, "unknown-meter", "Unknown PLN meter"),
    NoBillYet: ProblemSpec(422, "no-bill", "No bill to pay"),
    OfferExpired: ProblemSpec(410, "offer-expired", "Offer expired or unknown"),
    PriceChanged: ProblemSpec(409, "price-changed", "Price changed"),
    BookingNotFound: ProblemSpec(404, "booking-not-found", "Booking not found"),
    HoldExpired: ProblemSpec(409, "hold-expired", "Quote expired"),
    BookingCancelled: ProblemSpec(409, "booking-cancelled", "Booking cancelled"),
    NotCancellable: ProblemSpec(409, "not-cancellable", "Purchase cannot be cancelled"),
    IllegalTransition: ProblemSpec(409, "invalid-transition", "Status change not allowed"),
    # A low deposit is an outage of ours, not the customer's fault: 503, never recorded.
    DepositTooLow: ProblemSpec(503, "supplier-unavailable", "PPOB purchases paused"),
    SupplierUnavailable: ProblemSpec(503, "supplier-unavailable", "Supplier unavailable"),
    SupplierTimeout: ProblemSpec(504, "supplier-timeout", "Supplier timed out"),
    SupplierRejected: ProblemSpec(502, "supplier-rejected", "Supplier refused the request"),
    IdempotencyKeyReused: ProblemSpec(422, "idempotency-key-reused", "Idempotency key reused"),
    RequestStillRunning: ProblemSpec(409, "request-in-progress", "Request in progress"),
}

# Business answers to a hold: recorded under its Idempotency-Key and replayed.
BUSINESS_REFUSALS = (OfferExpired, PriceChanged)


def _problem(status: int, slug: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": PROBLEM_BASE + slug, "title": title, "status": status, "detail": detail, **extra}


def business_answer(exc: BaseException) -> Replay | None:
    if isinstance(exc, PriceChanged):
        return Replay(
            409,
            _problem(
                409,
                "price-changed",
                "Price changed",
                str(exc),
                total_price=money_string(exc.total),
                previous_total_price=money_string(exc.previous),
                currency="IDR",
            ),
        )
    if isinstance(exc, OfferExpired):
        return Replay(410, _problem(410, "offer-expired", "Offer expired or unknown", str(exc)))
    return None


def invalid_booking(exc: InvalidBooking) -> JSONResponse:
    errors = [
        {"loc": ["body", "booking_details", *loc], "msg": msg, "type": kind} for loc, msg, kind in exc.errors
    ]
    return problem_response(
        422,
        "invalid-booking",
        "The booking details are not valid; see `errors`.",
        title="Invalid booking request",
        errors=errors,
    )
