"""The one place flights domain errors become HTTP problems."""

from __future__ import annotations

from domain.errors import (
    BookingCancelled,
    BookingNotFound,
    HoldExpired,
    HoldRefused,
    IdempotencyKeyReused,
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
from shared.errors import ProblemSpec

ERROR_MAP: dict[type[Exception], ProblemSpec] = {
    InvalidSearch: ProblemSpec(422, "invalid-search", "Invalid search"),
    OfferNotFound: ProblemSpec(410, "offer-expired", "Offer expired or unknown"),
    OfferExpired: ProblemSpec(410, "offer-expired", "Offer expired or unknown"),
    UnknownSupplier: ProblemSpec(410, "offer-expired", "Offer expired or unknown"),
    SupplierUnavailable: ProblemSpec(503, "supplier-unavailable", "Supplier unavailable"),
    SupplierTimeout: ProblemSpec(504, "supplier-timeout", "Supplier timed out"),
    SupplierRejected: ProblemSpec(502, "supplier-rejected", "Supplier refused the request"),
    PriceChanged: ProblemSpec(409, "price-changed", "Price changed"),
    # the internal booking contract
    InvalidBooking: ProblemSpec(422, "invalid-booking", "Invalid booking request"),
    IdempotencyKeyReused: ProblemSpec(422, "idempotency-key-reused", "Idempotency key reused"),
    HoldRefused: ProblemSpec(409, "sold-out", "Sold out"),
    BookingNotFound: ProblemSpec(404, "booking-not-found", "Booking not found"),
    HoldExpired: ProblemSpec(409, "hold-expired", "Hold expired"),
    BookingCancelled: ProblemSpec(409, "booking-cancelled", "Booking cancelled"),
    TransitionNotAllowed: ProblemSpec(409, "invalid-transition", "Status change not allowed"),
}
