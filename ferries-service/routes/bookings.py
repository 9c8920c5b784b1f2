"""The internal booking contract (docs/booking-contract.md) that transaction-service calls: hold,
read, issue, cancel, as every product serves it (shared.booking_api). The ferries' own part is the
desk's rules and operator calls, and which refusals a hold records (routes/errors.py)."""

from __future__ import annotations

from domain.booking_desk import BookingDesk
from routes.errors import RECORDED_HOLD_ERRORS, hold_refusal
from shared.booking_api import app_state, as_sent, booking_router
from shared.idempotency import IdempotencyStore

# The scope of hold keys in the idempotency table (keys already recorded under it stay valid).
HOLD_SCOPE = "bookings.hold"


router = booking_router(
    app_state("booking_desk", BookingDesk),
    app_state("idempotency", IdempotencyStore),
    read_details=as_sent,
    refusal=hold_refusal,
    recorded=RECORDED_HOLD_ERRORS,
    scope=HOLD_SCOPE,
)
