"""The one place hotels domain errors become HTTP problems."""

from __future__ import annotations

from domain.bookings import IllegalTransition
from domain.errors import (
    BookingCancelled,
    BookingNotFound,
    HoldExpired,
    HotelNotFound,
    NotCancellable,
    OfferExpired,
    PriceChanged,
    SoldOut,
    SupplierRejected,
    SupplierTimeout,
    SupplierUnavailable,
)
from shared.errors import ProblemSpec
from shared.idempotency import IdempotencyKeyReused, RequestStillRunning

ERROR_MAP: dict[type[Exception], ProblemSpec] = {
    HotelNotFound: ProblemSpec(404, "hotel-not-found", "Hotel not found"),
    OfferExpired: ProblemSpec(410, "offer-expired", "Offer expired or unknown"),
    SupplierTimeout: ProblemSpec(504, "supplier-timeout", "Supplier timed out"),
    SupplierUnavailable: ProblemSpec(503, "supplier-unavailable", "Supplier unavailable"),
    SupplierRejected: ProblemSpec(502, "supplier-rejected", "Supplier refused the request"),
    PriceChanged: ProblemSpec(409, "price-changed", "Price changed"),
    SoldOut: ProblemSpec(409, "sold-out", "Sold out"),
    BookingNotFound: ProblemSpec(404, "booking-not-found", "Booking not found"),
    HoldExpired: ProblemSpec(409, "hold-expired", "Quote expired"),
    BookingCancelled: ProblemSpec(409, "booking-cancelled", "Booking cancelled"),
    NotCancellable: ProblemSpec(409, "not-cancellable", "Booking cannot be cancelled"),
    IllegalTransition: ProblemSpec(409, "invalid-transition", "Status change not allowed"),
    IdempotencyKeyReused: ProblemSpec(422, "idempotency-key-reused", "Idempotency key reused"),
    RequestStillRunning: ProblemSpec(409, "request-in-progress", "Request still running"),
}
