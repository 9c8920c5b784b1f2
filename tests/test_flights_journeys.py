"""Flights through the gateway against the real sandbox suppliers: search, validation, the
deadline that protects a search from a slow supplier, caching, offers and re-pricing."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from devstack.stack import Stack

SEARCH_DEADLINE_SECONDS = 3.0


@pytest.fixture
def sandbox(stack: Stack) -> Iterator[httpx.Client]:
    """The sandbox's admin API; every knob is reset after the test."""
    with httpx.Client(base_url=stack.url("sandbox"), timeout=10) as client:
        client.post("/sandbox/reset").raise_for_status()
        yield client
        client.post("/sandbox/reset").raise_for_status()


def search(gateway: httpx.Client, **params: Any) -> httpx.Response:
    query: dict[str, Any] = {
        "origin": "CGK",
        "destination": "DPS",
        "departure_date": (date.today() + timedelta(days=14)).isoformat(),
        "adults": 1,
    }
    query.update(params)
    return gateway.get("/flights/search", params=query, timeout=30)


def suppliers(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in body["suppliers"]}


def test_search_merges_both_suppliers_sorted_by_price(gateway: httpx.Client, sandbox: httpx.Client) -> None:
    response = search(gateway)
    assert response.status_code == 200, response.text
    body = response.json()
    status = suppliers(body)
    assert status["amadeus"]["status"] == "ok"
    assert status["duffel"]["status"] == "ok"
    offers = body["offers"]
    assert offers, "Jakarta → Bali has flights every day"
    prices = [Decimal(o["total_price"]) for o in offers]
    assert prices == sorted(prices)
    for offer in offers:
        assert offer["currency"] == "IDR"
        assert offer["offer_id"]
        assert offer["segments"]
    # The same flight from two suppliers is shown once.
    flights = [
        tuple((s["carrier_code"], s["flight_number"], s["departure_at"]) for s in o["segments"])
        for o in offers
    ]
    assert len(flights) == len(set(flights))


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"origin": "XXX"}, "XXX"),
        ({"departure_date": (date.today() - timedelta(days=1)).isoformat()}, "past"),
        ({"destination": "CGK"}, "different"),
        ({"adults": 1, "infants": 2}, "infant"),
    ],
)
def test_bad_searches_are_422_with_a_clear_message(
    gateway: httpx.Client, params: dict[str, Any], fragment: str
) -> None:
    response = search(gateway, **params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert fragment.lower() in response.text.lower()


def test_a_supplier_slow_past_the_deadline_never_fails_the_search(
    gateway: httpx.Client, sandbox: httpx.Client
) -> None:
    sandbox.put("/sandbox/knobs/duffel", json={"latency_ms": 10_000}).raise_for_status()
    started = time.monotonic()
    response = search(gateway, departure_date=(date.today() + timedelta(days=21)).isoformat())
    elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    status = suppliers(response.json())
    assert status["duffel"]["status"] == "timeout"
    assert status["amadeus"]["status"] == "ok"
    assert response.json()["offers"]
    assert elapsed < SEARCH_DEADLINE_SECONDS * 1.1 + 0.5


def test_a_failing_supplier_leaves_the_others_offers(gateway: httpx.Client, sandbox: httpx.Client) -> None:
    sandbox.put("/sandbox/knobs/amadeus", json={"error_rate": 1.0}).raise_for_status()
    response = search(gateway, departure_date=(date.today() + timedelta(days=22)).isoformat())
    assert response.status_code == 200, response.text
    status = suppliers(response.json())
    assert status["amadeus"]["status"] == "error"
    assert status["duffel"]["status"] == "ok"
    assert response.json()["offers"]


def test_a_repeated_search_and_its_offers_come_from_the_cache(
    gateway: httpx.Client, sandbox: httpx.Client
) -> None:
    day = (date.today() + timedelta(days=23)).isoformat()
    first = search(gateway, departure_date=day)
    assert first.status_code == 200
    # Suppliers now fail every call: only a cache can still answer.
    for supplier in ("amadeus", "duffel"):
        sandbox.put(f"/sandbox/knobs/{supplier}", json={"error_rate": 1.0}).raise_for_status()
    again = search(gateway, departure_date=day)
    assert again.status_code == 200
    assert [o["offer_id"] for o in again.json()["offers"]] == [o["offer_id"] for o in first.json()["offers"]]
    offer_id = first.json()["offers"][0]["offer_id"]
    cached = gateway.get(f"/flights/offers/{offer_id}")
    assert cached.status_code == 200
    assert cached.json()["offer_id"] == offer_id


def test_unknown_offers_are_gone(gateway: httpx.Client) -> None:
    response = gateway.get("/flights/offers/eyJ2IjoxLCJzIjoiYW1hZGV1cyIsInIiOiJub3BlIn0")
    assert response.status_code == 410
    assert response.headers["content-type"] == "application/problem+json"


def test_a_changed_price_is_reported_not_hidden(gateway: httpx.Client, sandbox: httpx.Client) -> None:
    response = search(gateway, departure_date=(date.today() + timedelta(days=24)).isoformat())
    offer = response.json()["offers"][0]
    for supplier in ("amadeus", "duffel"):
        sandbox.put(f"/sandbox/knobs/{supplier}", json={"price_change_pct": 10}).raise_for_status()
    priced = gateway.post(f"/flights/offers/{offer['offer_id']}/price")
    assert priced.status_code == 200, priced.text
    body = priced.json()
    assert body["price_changed"] is True
    assert Decimal(body["offer"]["total_price"]) > Decimal(offer["total_price"])


def test_airport_autocomplete_knows_indonesian_airports(gateway: httpx.Client) -> None:
    response = gateway.get("/flights/airports", params={"q": "denpasar"})
    assert response.status_code == 200, response.text
    assert "DPS" in response.text
