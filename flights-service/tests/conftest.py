"""Fixtures every tier shares: the app built through `create_app` on a real database with fake
suppliers and a movable clock, the `make_app`/`app` pair the shell contract
(testkit/service_shell.py) needs, and the `booking_api`/`product` pair of the booking contract
(testkit/booking_contract.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from adapters.airports import AirportsDataDirectory
from app import create_app
from config import SearchSettings, Settings
from domain.repository import BookingSupplier
from shared.settings import DatabaseSettings, InternalSettings, RuntimeSettings
from testkit.booking_contract import booking_api_for
from tests.fakes import FakeSupplier, MovableClock
from tests.flight_product import FlightsProduct

DEADLINE = 0.5
INTERNAL_TOKEN = "test-internal-token-0123456789abcdef"


def make_settings(database_url: str) -> Settings:
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False),  # type: ignore[call-arg]
        database=DatabaseSettings(DATABASE_URL=database_url),  # type: ignore[call-arg]
        internal=InternalSettings(INTERNAL_TOKEN=SecretStr(INTERNAL_TOKEN)),  # type: ignore[call-arg]
        # In process: the REDIS_URL that CI exports would share cached searches between tests.
        search=SearchSettings(  # type: ignore[call-arg]
            SEARCH_DEADLINE_SECONDS=DEADLINE, OFFER_TTL_SECONDS=60, REDIS_URL=None
        ),
    )


@pytest.fixture(scope="session")
def airport_directory() -> AirportsDataDirectory:
    return AirportsDataDirectory()


@pytest.fixture
def suppliers() -> list[FakeSupplier]:
    return [FakeSupplier("amadeus"), FakeSupplier("duffel")]


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock()


@pytest.fixture
def make_app(
    suppliers: Sequence[BookingSupplier], airport_directory: AirportsDataDirectory, clock: MovableClock
) -> Callable[[str], FastAPI]:
    def make(database_url: str) -> FastAPI:
        return create_app(
            make_settings(database_url), suppliers=suppliers, airports=airport_directory, clock=clock
        )

    return make


@pytest.fixture
def app(make_app: Callable[[str], FastAPI], migrated_database_url: str) -> FastAPI:
    return make_app(migrated_database_url)


@pytest.fixture
async def booking_api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with booking_api_for(app, INTERNAL_TOKEN) as client:
        yield client


@pytest.fixture
def product(
    booking_api: httpx.AsyncClient, suppliers: list[FakeSupplier], clock: MovableClock
) -> FlightsProduct:
    return FlightsProduct(booking_api, suppliers[1], clock)
