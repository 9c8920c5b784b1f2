"""The internal booking contract (docs/booking-contract.md) for hotels: quote, read, issue, cancel,
as every product serves it (shared.booking_api). The hotels' own part is the desk's rules and
supplier calls, and which refusals a hold answers (routes/errors.py).

A hold runs once per Idempotency-Key (shared.idempotency): the same key and body replay the first
answer, a 201 or a business refusal (409 price-changed or sold-out, 410 offer-expired), without
asking the supplier again; concurrent duplicates wait for the first and replay it. A supplier
outage or invalid details are not recorded, so a retry with the same key runs again.
"""

from __future__ import annotations

from fastapi import Request

from domain.booking_desk import BookingDesk
from routes.errors import BUSINESS_REFUSALS, hold_refusal
from shared.booking_api import as_sent, booking_router
from shared.idempotency import IdempotencyStore


def booking_desk(request: Request) -> BookingDesk:
    desk: BookingDesk = request.app.state.booking_desk
    return desk


def hold_keys(request: Request) -> IdempotencyStore:
    keys: IdempotencyStore = request.app.state.hold_keys
    return keys


router = booking_router(
    booking_desk,
    hold_keys,
    read_details=as_sent,
    refusal=hold_refusal,
    recorded=BUSINESS_REFUSALS,
    offer_id_max_length=128,  # hotel offer ids are short; the bookings table keeps 128
)
