"""The internal booking contract (docs/booking-contract.md) for hotels: quote, read, issue, cancel,
as every product serves it (shared.booking_api). The hotels' own part is the desk's rules and
supplier calls, and which refusals a hold answers (routes/errors.py).

A hold runs once per Idempotency-Key (shared.idempotency): the same key and body replay the first
answer, a 201 or a business refusal (409 price-changed or sold-out, 410 offer-expired), without
asking the supplier again; concurrent duplicates wait for the first and replay it. A supplier
outage or invalid details are not recorded, so a retry with the same key runs again.
"""

from __future__ import annotations

from domain.booking_desk import BookingDesk
from routes.errors import BUSINESS_REFUSALS, hold_refusal
from shared.booking_api import app_state, as_sent, booking_router
from shared.idempotency import IdempotencyStore

router = booking_router(
    app_state("booking_desk", BookingDesk),
    app_state("hold_keys", IdempotencyStore),
    read_details=as_sent,
    refusal=hold_refusal,
    recorded=BUSINESS_REFUSALS,
    offer_id_max_length=128,  # hotel offer ids are short; the bookings table keeps 128
)
