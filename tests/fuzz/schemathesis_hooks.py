"""Loaded by the schemathesis runs of test_api_fuzz.py (SCHEMATHESIS_HOOKS).

In the stateful phase an order is made of a real, fresh flight offer (searched through the
gateway at TIKETQ_FUZZ_GATEWAY_URL; a supplier sells an offer once), so the links from
`POST /orders/` (its order and transaction ids) lead on to a payment, a cancellation and the
transaction of a held booking; a random offer id would end every walk at 410 offer-expired.
Each of its steps carries a fresh Idempotency-Key.
The other phases keep the generated bodies, hostile ones included."""

from __future__ import annotations

import os
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
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


class FreshOffers:
    """Offers never ordered before: each search is of the next day, each offer handed out once."""

    def __init__(self, gateway_url: str) -> None:
        self._gateway_url = gateway_url
        self._offers: list[str] = []
        self._days_ahead = 20

    def take(self) -> str:
        while not self._offers:
            self._days_ahead += 1
            params: dict[str, str | int] = {"origin": "CGK", "destination": "DPS", "adults": 1}
            params["departure_date"] = (date.today() + timedelta(days=self._days_ahead)).isoformat()
            response = httpx.get(f"{self._gateway_url}/flights/search", params=params, timeout=30)
            response.raise_for_status()
            self._offers = [offer["offer_id"] for offer in response.json()["offers"]]
        return self._offers.pop()


_gateway = os.environ.get("TIKETQ_FUZZ_GATEWAY_URL")
_offers = FreshOffers(_gateway) if _gateway else None


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    if case.meta is None or case.meta.phase.name != TestPhase.STATEFUL:
        return
    if _offers and case.method.upper() == "POST" and case.path == "/orders/":
        case.body = {**ORDER, "offer_id": _offers.take()}
    # Each step of a walk is a new request: with the generator's repeated key it would replay (or,
    # with another body, be refused as idempotency-key-reused) instead of doing anything.
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
