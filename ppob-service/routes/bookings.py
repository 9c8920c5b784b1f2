"""The booking contract (docs/booking-contract.md) for PPOB, as every product serves it
(shared.booking_api): hold (a validated quote: nothing is reserved), read, issue (the purchase at
the aggregator, possibly pending), cancel (only before issue: a delivered purchase cannot be taken
back). The PPOB's own part is the purchases' rules and aggregator calls, and which refusals a
hold answers (routes/errors.py).

A hold runs once per Idempotency-Key (shared.idempotency): the same key and body replay the first
answer, a 201 or a business refusal (409 price-changed, 410 offer-expired); a supplier outage,
a low deposit or invalid details are not recorded, so a retry with the same key runs again.
"""

from __future__ import annotations

from domain.purchases import Purchases
from routes.errors import BUSINESS_REFUSALS, hold_refusal
from shared.booking_api import app_state, as_sent, booking_router
from shared.idempotency import IdempotencyStore

router = booking_router(
    app_state("purchases", Purchases),
    app_state("hold_keys", IdempotencyStore),
    read_details=as_sent,
    refusal=hold_refusal,
    recorded=BUSINESS_REFUSALS,
    offer_id_max_length=64,  # PPOB offer ids are short; the offers table keeps 64
)
