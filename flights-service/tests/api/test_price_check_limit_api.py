"""Anonymous price checks are limited per client address: past the limit → 429
too-many-price-checks with Retry-After, and the supplier is not asked. The address is the
X-Forwarded-For the gateway (a trusted proxy) sends; from anyone else it is ignored."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from fastapi import FastAPI

from adapters.airports import AirportsDataDirectory
from app import create_app
from config import PriceCheckSettings
from testkit.asgi import running_app
from tests.api.test_flights_api import SEARCH, stock
from tests.conftest import make_settings
from tests.fakes import FakeSupplier, MovableClock


def limited_app(
    database_url: str, suppliers: Sequence[FakeSupplier], airports: AirportsDataDirectory, proxies: str
) -> FastAPI:
    settings = dataclasses.replace(
        make_settings(database_url),
        price_checks=PriceCheckSettings(PRICE_CHECKS_PER_CLIENT=3, TRUSTED_PROXIES=proxies),  # type: ignore[call-arg]
    )
    return create_app(settings, suppliers=suppliers, airports=airports, clock=MovableClock())


async def test_past_the_limit_a_client_gets_429_and_the_supplier_is_not_asked(
    migrated_database_url: str, suppliers: list[FakeSupplier], airport_directory: AirportsDataDirectory
) -> None:
    stock(suppliers)
    app = limited_app(migrated_database_url, suppliers, airport_directory, "127.0.0.1")
    phone = {"X-Forwarded-For": "203.0.113.7"}
    async with running_app(app) as client:
        offer = (await client.get("/flights/search", params=SEARCH)).json()["offers"][0]
        path = f"/flights/offers/{offer['offer_id']}/price"
        allowed = [await client.post(path, headers=phone) for _ in range(3)]
        calls = sum(s.price_calls for s in suppliers)
        refused = await client.post(path, headers=phone)
        elsewhere = await client.post(path, headers={"X-Forwarded-For": "198.51.100.9"})
    assert [r.status_code for r in allowed] == [200, 200, 200]
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/too-many-price-checks")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert sum(s.price_calls for s in suppliers) == calls + 1  # only the other client's check
    assert elsewhere.status_code == 200


async def test_a_forwarded_address_from_an_untrusted_peer_does_not_buy_a_fresh_limit(
    migrated_database_url: str, suppliers: list[FakeSupplier], airport_directory: AirportsDataDirectory
) -> None:
    stock(suppliers)
    # The test client's address (127.0.0.1) is not a trusted proxy here: its own address counts.
    app = limited_app(migrated_database_url, suppliers, airport_directory, "10.0.0.0/8")
    async with running_app(app) as client:
        offer = (await client.get("/flights/search", params=SEARCH)).json()["offers"][0]
        path = f"/flights/offers/{offer['offer_id']}/price"
        answers = [await client.post(path, headers={"X-Forwarded-For": f"203.0.113.{n}"}) for n in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
