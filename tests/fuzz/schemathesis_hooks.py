"""Loaded by the schemathesis runs of test_api_fuzz.py (SCHEMATHESIS_HOOKS).

In the stateful phase an order is made of a real offer (TIKETQ_FUZZ_OFFER_ID), so the links
from `POST /orders/` (its order and transaction ids) lead on to payments, cancellations and
refunds of a held booking; a random offer id would end every scenario at 410 offer-expired.
The other phases keep the generated bodies, hostile ones included."""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from schemathesis.generation.meta import TestPhase

ORDER = {
    "service_type": "flight",
    "booking_details": {
        "passengers": [
            {
                "type": "adult",
                "title": "ms",
                "first_name": "Siti",
                "last_name": "Rahayu",
                "date_of_birth": "1992-05-17",
            }
        ],
        "contact": {"email": "siti@example.com", "phone": "0812-3456-7890"},
    },
}


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    offer_id = os.environ.get("TIKETQ_FUZZ_OFFER_ID")
    stateful = case.meta is not None and case.meta.phase.name == TestPhase.STATEFUL
    if offer_id and stateful and case.method.upper() == "POST" and case.path == "/orders/":
        case.body = {**ORDER, "offer_id": offer_id}
