"""The booking contract (docs/booking-contract.md) for flights: hold, read, issue, cancel, as every
product serves it (shared.booking_api); what is the flights' own is how booking_details are read
(routes/booking_schemas.py) and which refusals a hold answers (routes/errors.py).

A hold runs once per Idempotency-Key (shared.idempotency): the same key and body replay the first
answer, a 201 or a business refusal (409 price-changed or sold-out, 410 offer-expired), without
asking the supplier again; concurrent duplicates wait for the first and replay it. A supplier
outage or an invalid request is not recorded, so a retry with the same key runs again.
"""

from __future__ import annotations

from domain.booking_desk import BookingDesk
from routes.booking_schemas import FlightDetailsIn
from routes.errors import BUSINESS_REFUSALS, hold_refusal
from shared.booking_api import app_state, booking_router
from shared.idempotency import IdempotencyStore

router = booking_router(
    app_state("booking_desk", BookingDesk),
    app_state("hold_keys", IdempotencyStore),
    read_details=FlightDetailsIn.read,
    refusal=hold_refusal,
    recorded=BUSINESS_REFUSALS,
)
