"""Fixtures every tier shares: the app built through `create_app` on a real database with a fake
supplier, the `make_app`/`app` pair the shell contract needs, and what the booking contract
suite (testkit/booking_contract.py) asks for: `booking_api` and `product`."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any, Literal

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from adapters.cache import MemorySearchCache
from app import create_app
from config import SearchSettings, Settings
from shared.settings import DatabaseSettings, InternalSettings, RuntimeSettings
from testkit.asgi import running_app
from testkit.booking_contract import Bookable, booking_api_for
from tests.fakes import NOW, FakeHotelSupplier, MovableClock

INTERNAL_TOKEN = "test-internal-token-0123456789abcdef"
_stays = itertools.count(10)


def make_settings(database_url: str) -> Settings:
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False),  # type: ignore[call-arg]
        database=DatabaseSettings(DATABASE_URL=database_url),  # type: ignore[call-arg]
        internal=InternalSettings(INTERNAL_TOKEN=SecretStr(INTERNAL_TOKEN)),  # type: ignore[call-arg]
        search=SearchSettings(SEARCH_CACHE_TTL_SECONDS=60, OFFER_TTL_SECONDS=600, QUOTE_TTL_SECONDS=900),  # type: ignore[call-arg]
    )


@pytest.fixture
def supplier() -> FakeHotelSupplier:
    return FakeHotelSupplier()


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def cache() -> MemorySearchCache:
    return MemorySearchCache()


@pytest.fixture
def make_app(
    supplier: FakeHotelSupplier, clock: MovableClock, cache: MemorySearchCache
) -> Callable[[str], FastAPI]:
    def make(database_url: str) -> FastAPI:
        return create_app(make_settings(database_url), supplier=supplier, cache=cache, clock=clock)

    return make


@pytest.fixture
def app(make_app: Callable[[str], FastAPI], migrated_database_url: str) -> FastAPI:
    return make_app(migrated_database_url)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(app) as c:
        yield c


@pytest.fixture
async def booking_api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with booking_api_for(app, INTERNAL_TOKEN) as c:
        yield c


def guest_details(**changes: Any) -> dict[str, Any]:
    return {
        "guests": [
            {"first_name": "Siti", "last_name": "Rahayu"},
            {"first_name": "Budi", "last_name": "Santoso"},
        ],
        "contact": {"email": "siti@example.co.id", "phone": "0812-3456-7890"},
        "special_requests": "Late arrival, around 22:00",
        **changes,
    }


async def search_offers(
    api: httpx.AsyncClient, days_ahead: int | None = None, nights: int = 2, **params: Any
) -> dict[str, Any]:
    """A search through the public route (a new stay each call unless days_ahead is given)."""
    ahead = days_ahead if days_ahead is not None else next(_stays)
    check_in = (NOW + timedelta(hours=7)).date() + timedelta(days=ahead)
    query = {
        "destination": "DPS-4",
        "check_in": check_in.isoformat(),
        "check_out": (check_in + timedelta(days=nights)).isoformat(),
        "adults": 2,
        "children": 1,
        "child_ages": "7",
        **params,
    }
    response = await api.get("/hotels/search", params=query)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


class HotelProduct:
    """The booking contract's view of hotels: a fresh offer per call from a fresh search."""

    service_type = "hotel"

    def __init__(self, api: httpx.AsyncClient, supplier: FakeHotelSupplier) -> None:
        self._api = api
        self._supplier = supplier

    async def bookable(self) -> Bookable:
        found = await search_offers(self._api)
        refundable = next(o for h in found["hotels"] for o in h["offers"] if o["refundable"])
        return Bookable(refundable["offer_id"], guest_details())

    def broken_details(self, bookable: Bookable) -> dict[str, Any]:
        return {
            "guests": [{"first_name": "", "last_name": "Rahayu"}],
            "contact": {"email": "nope", "phone": "12"},
        }

    async def next_issue_pending(self, outcome: Literal["issued", "failed"]) -> None:
        self._supplier.pending_next = outcome

    async def settle_pending(self, booking_reference: str) -> None:
        read = await self._api.get(f"/internal/bookings/{booking_reference}")
        self._supplier.settle(read.json()["supplier_reference"])


@pytest.fixture
async def product(booking_api: httpx.AsyncClient, supplier: FakeHotelSupplier) -> HotelProduct:
    return HotelProduct(booking_api, supplier)
