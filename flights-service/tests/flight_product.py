"""flights-service as the booking contract suite sees it (testkit/booking_contract.py): offers
found through the real search route over the fake suppliers, the flight's booking_details, a
last seat, and a movable clock to let holds lapse."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

import httpx

from testkit.booking_contract import Bookable
from tests.fakes import WIB, FakeSupplier, MovableClock, make_offer

FIRST_DEPARTURE = date(2030, 5, 1)
PASSENGER = {
    "type": "adult",
    "title": "mr",
    "first_name": "Budi",
    "last_name": "Santoso",
    "date_of_birth": "1990-01-15",
}
CONTACT = {"email": "Budi@Example.co.id", "phone": "0812-3456-7890"}


class FlightsProduct:
    service_type = "flight"

    def __init__(self, api: httpx.AsyncClient, supplier: FakeSupplier, clock: MovableClock) -> None:
        self._api = api
        self._supplier = supplier
        self._clock = clock
        self._searches = 0

    async def _offer(self, seats: int | None) -> Bookable:
        # A new departure date per offer: the search cache answers a repeated search itself.
        self._searches += 1
        day = FIRST_DEPARTURE + timedelta(days=self._searches)
        ref = f"off_{uuid.uuid4().hex[:12]}"
        depart = datetime.combine(day, time(6, 0), tzinfo=WIB)
        self._supplier.offers = [
            make_offer(supplier=self._supplier.name, ref=ref, price="1200000", depart=depart)
        ]
        if seats is not None:
            self._supplier.seats[ref] = seats
        params = {"origin": "CGK", "destination": "DPS", "departure_date": day.isoformat()}
        found = await self._api.get("/flights/search", params=params)
        assert found.status_code == 200, found.text
        offer_id: str = found.json()["offers"][0]["offer_id"]
        return Bookable(offer_id, {"passengers": [PASSENGER], "contact": CONTACT})

    async def bookable(self) -> Bookable:
        return await self._offer(seats=None)

    async def last_unit(self) -> Bookable:
        return await self._offer(seats=1)

    def broken_details(self, bookable: Bookable) -> dict[str, Any]:
        # A digit in a name, a birth date in the future, an email and a phone that are not.
        return {
            "passengers": [{**PASSENGER, "first_name": "B4di", "date_of_birth": "2031-01-01"}],
            "contact": {"email": "budi-at-example", "phone": "12345"},
        }

    def second_customer(self, bookable: Bookable) -> dict[str, Any]:
        sari = {
            "type": "adult",
            "title": "ms",
            "first_name": "Sari",
            "last_name": "Dewi",
            "date_of_birth": "1992-03-03",
        }
        return {"passengers": [sari], "contact": {"email": "sari@example.co.id", "phone": "+6281298765432"}}

    async def expire_hold(self, booking_reference: str) -> None:
        found = await self._api.get(f"/internal/bookings/{booking_reference}")
        deadline = datetime.fromisoformat(found.json()["hold_expires_at"].replace("Z", "+00:00"))
        self._clock.now = deadline + timedelta(seconds=1)
