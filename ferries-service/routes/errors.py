"""The one place ferries domain errors become HTTP problems (the booking contract's slugs)."""

from __future__ import annotations

from typing import Any

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
from shared.booking_api import dotted_loc, invalid_booking, price_changed, problem_answer
from shared.booking_lifecycle import TransitionNotAllowed
from shared.errors import ProblemSpec
from shared.idempotency import IdempotencyKeyReused, Replay, RequestStillRunning

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


def hold_refusal(exc: BaseException) -> Replay | None:
    """How a hold's business refusal reads (the same on every replay); None for anything else,
    which the app's problem handlers answer."""
    if isinstance(exc, PriceChanged):
        return price_changed(str(exc), exc.previous, exc.current)
    if isinstance(exc, InvalidBooking):
        return invalid_booking(
            str(exc), ((dotted_loc(p.field), p.message, "invalid_booking") for p in exc.problems)
        )
    if isinstance(exc, RECORDED_HOLD_ERRORS):
        for exc_type in type(exc).__mro__:
            spec = ERROR_MAP.get(exc_type)
            if spec is not None:
                return problem_answer(spec, str(exc))
    return None
