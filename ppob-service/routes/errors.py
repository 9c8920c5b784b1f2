"""The one place PPOB domain errors become HTTP problems (RFC 9457)."""

from __future__ import annotations

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
    TooManyInquiries,
    UnknownMeter,
    UnknownProduct,
    WrongOperator,
)
from shared.booking_api import invalid_booking, price_changed, problem_answer
from shared.booking_lifecycle import TransitionNotAllowed
from shared.errors import ProblemError, ProblemSpec
from shared.idempotency import IdempotencyKeyReused, Replay, RequestStillRunning

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
    TransitionNotAllowed: ProblemSpec(409, "invalid-transition", "Status change not allowed"),
    # A low deposit is an outage of ours, not the customer's fault: 503, never recorded.
    DepositTooLow: ProblemSpec(503, "supplier-unavailable", "PPOB purchases paused"),
    SupplierUnavailable: ProblemSpec(503, "supplier-unavailable", "Supplier unavailable"),
    SupplierTimeout: ProblemSpec(504, "supplier-timeout", "Supplier timed out"),
    SupplierRejected: ProblemSpec(502, "supplier-rejected", "Supplier refused the request"),
    IdempotencyKeyReused: ProblemSpec(422, "idempotency-key-reused", "Idempotency key reused"),
    RequestStillRunning: ProblemSpec(409, "request-in-progress", "Request in progress"),
}

# Business answers to a hold: recorded under its Idempotency-Key and replayed.
BUSINESS_REFUSALS: tuple[type[Exception], ...] = (OfferExpired, PriceChanged)


def hold_refusal(exc: BaseException) -> Replay | None:
    """How a hold's refusal reads (the same on every replay); None for anything else, which the
    app's problem handlers answer and the idempotency store forgets."""
    if isinstance(exc, PriceChanged):
        return price_changed(str(exc), exc.previous, exc.total)
    if isinstance(exc, InvalidBooking):
        return invalid_booking("The booking details are not valid; see `errors`.", exc.errors)
    if isinstance(exc, BUSINESS_REFUSALS):
        return problem_answer(ERROR_MAP[type(exc)], str(exc))
    return None


def too_many_inquiries(exc: TooManyInquiries) -> ProblemError:
    """429 with Retry-After (a ProblemSpec carries no headers)."""
    return ProblemError(
        429,
        "too-many-inquiries",
        str(exc),
        title="Too many inquiries",
        headers={"Retry-After": str(exc.retry_after)},
    )
