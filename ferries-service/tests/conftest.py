"""Fixtures every tier shares: the app built through `create_app` on a real database with the
in-memory operator and a movable clock; the shell contract's `make_app`/`app`; and the booking
contract's `booking_api` and `product` (testkit/booking_contract.py)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from app import create_app
from config import SearchSettings, Settings
from shared.settings import DatabaseSettings, InternalSettings, RuntimeSettings
from testkit.booking_contract import Bookable, booking_api_for
from tests.fakes import FakeClock, FakeOperator

INTERNAL_TOKEN = "test-internal-token-0123456789abcdef"


def make_settings(database_url: str) -> Settings:
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False),  # type: ignore[call-arg]
        database=DatabaseSettings(DATABASE_URL=database_url),  # type: ignore[call-arg]
        internal=InternalSettings(INTERNAL_TOKEN=SecretStr(INTERNAL_TOKEN)),  # type: ignore[call-arg]
        search=SearchSettings(OFFER_TTL_SECONDS=600, REDIS_URL=None),  # type: ignore[call-arg]
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def operator(clock: FakeClock) -> FakeOperator:
    return FakeOperator(clock)


@pytest.fixture
def make_app(operator: FakeOperator, clock: FakeClock) -> Callable[[str], FastAPI]:
    def make(database_url: str) -> FastAPI:
        return create_app(make_settings(database_url), operator=operator, clock=clock)

    return make


@pytest.fixture
def app(make_app: Callable[[str], FastAPI], migrated_database_url: str) -> FastAPI:
    return make_app(migrated_database_url)


@pytest.fixture
async def booking_api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with booking_api_for(app, INTERNAL_TOKEN) as client:
        yield client


def details(adults: int = 2, *, vehicle: str | None = "IVA", name: str = "Siti") -> dict[str, Any]:
    body: dict[str, Any] = {
        "passengers": [
            {
                "type": "adult",
                "first_name": f"{name}{'' if i == 0 else ' ' + 'ABCDEFGH'[i]}",
                "last_name": "Rahayu",
            }
            for i in range(adults)
        ],
        "contact": {"email": f"{name.lower()}@example.id", "phone": "0812-3456-7890"},
    }
    if vehicle:
        body["vehicle"] = {"class": vehicle, "plate_number": "b1234xyz"}
    return body


class FerryProduct:
    """A fresh Merak→Bakauheni offer (two adults and a car) on every call, each on a sailing of
    its own, found through the public search as a client would."""

    service_type = "ferry"
    _counter = itertools.count()

    def __init__(self, api: httpx.AsyncClient, operator: FakeOperator, clock: FakeClock) -> None:
        self.api = api
        self.operator = operator
        self.clock = clock

    async def _offer(self, adults: int = 2, vehicle: str | None = "IVA") -> dict[str, Any]:
        n = next(self._counter)
        day = (self.clock().date() + timedelta(days=1 + (n // 20) % 50)).isoformat()
        params: dict[str, Any] = {
            "origin": "MRK",
            "destination": "BKH",
            "departure_date": day,
            "adults": adults,
            "service_class": "regular",
        }
        if vehicle:
            params["vehicle_class"] = vehicle
        r = await self.api.get("/ferries/search", params=params)
        assert r.status_code == 200, r.text
        offer: dict[str, Any] = r.json()["offers"][n % 20]
        return offer

    async def bookable(self) -> Bookable:
        return Bookable((await self._offer())["offer_id"], details())

    def broken_details(self, bookable: Bookable) -> dict[str, Any]:
        broken = details()
        broken["vehicle"]["plate_number"] = "not a plate"
        broken["contact"]["phone"] = "12"
        return broken

    async def last_unit(self) -> Bookable:
        offer = await self._offer(adults=1, vehicle=None)
        self.operator.seats[offer["sailing_id"]] = 1
        return Bookable(offer["offer_id"], details(1, vehicle=None))

    def second_customer(self, bookable: Bookable) -> dict[str, Any]:
        return details(len(bookable.booking_details["passengers"]), vehicle=None, name="Budi")

    async def expire_hold(self, booking_reference: str) -> None:
        self.clock.advance(minutes=31)


@pytest.fixture
def product(booking_api: httpx.AsyncClient, operator: FakeOperator, clock: FakeClock) -> FerryProduct:
    return FerryProduct(booking_api, operator, clock)
