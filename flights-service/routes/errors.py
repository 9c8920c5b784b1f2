"""The one place flights domain errors become HTTP problems."""

from __future__ import annotations

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
    TooManyPriceChecks,
    UnknownSupplier,
)
from shared.booking_api import dotted_loc, invalid_booking, price_changed, problem_answer
from shared.booking_lifecycle import TransitionNotAllowed
from shared.errors import ProblemError, ProblemSpec
from shared.idempotency import IdempotencyKeyReused, Replay, RequestStillRunning

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


def hold_refusal(exc: BaseException) -> Replay | None:
    """How a hold's refusal reads (the same on every replay); None for anything else, which the
    app's problem handlers answer and the idempotency store forgets."""
    if isinstance(exc, PriceChanged):
        return price_changed(str(exc), exc.previous, exc.current)
    if isinstance(exc, InvalidBooking):
        # Every broken flight rule at once, located in the caller's booking_details.
        return invalid_booking(
            str(exc), ((dotted_loc(p.field), p.message, "invalid_booking") for p in exc.problems)
        )
    if isinstance(exc, BUSINESS_REFUSALS):
        return problem_answer(ERROR_MAP[type(exc)], str(exc))
    return None


def too_many_price_checks(exc: TooManyPriceChecks) -> ProblemError:
    """429 with Retry-After (a ProblemSpec carries no headers)."""
    return ProblemError(
        429,
        "too-many-price-checks",
        str(exc),
        title="Too many price checks",
        headers={"Retry-After": str(exc.retry_after)},
    )
