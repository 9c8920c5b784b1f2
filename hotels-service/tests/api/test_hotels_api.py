"""Public hotel browsing through the app: destinations, search (validation, filters, sorting,
paging, caching) and hotel details."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.conftest import search_offers
from tests.fakes import FakeHotelSupplier


async def test_destinations_autocomplete_lists_areas_with_their_island(client: httpx.AsyncClient) -> None:
    r = await client.get("/hotels/destinations", params={"q": "ub"})
    assert r.status_code == 200
    assert r.json() == [{"code": "DPS-4", "name": "Ubud, Bali", "country": "ID"}]
    every = await client.get("/hotels/destinations")
    assert {d["code"] for d in every.json()} >= {"DPS", "DPS-4", "JKT"}


async def test_search_answers_hotels_with_offers_policies_and_nightly_prices(
    client: httpx.AsyncClient,
) -> None:
    body = await search_offers(client, days_ahead=20)
    assert body["total"] == 2
    assert (body["limit"], body["offset"]) == (20, 0)
    first = body["hotels"][0]
    assert first["name"] == "Pondok Bambu Ubud"  # the cheapest first
    assert first["location"]["utc_offset"] == "+08:00"
    assert first["min_price"] == min(o["total_price"] for o in first["offers"])
    offer = first["offers"][0]
    assert set(offer) >= {
        "offer_id",
        "room",
        "board",
        "total_price",
        "currency",
        "nightly_prices",
        "refundable",
        "cancellation_policies",
    }
    assert offer["currency"] == "IDR"
    assert sum(Decimal(n["price"]) for n in offer["nightly_prices"]) == Decimal(offer["total_price"])
    refundable = next(o for o in first["offers"] if o["refundable"])
    assert refundable["cancellation_policies"][0]["from"].endswith("T23:59:00+08:00")


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"check_in": "2026-01-02", "check_out": "2026-01-04"}, {"check_in"}),
        ({"check_in": "2027-01-10", "check_out": "2027-01-10"}, {"check_out"}),
        ({"check_in": "2027-01-10", "check_out": "2027-02-15"}, {"check_out"}),
        ({"children": 2, "child_ages": "7"}, {"child_ages"}),
        ({"children": 1, "child_ages": "19"}, {"child_ages.0"}),
        ({"children": 1, "child_ages": "seven"}, {"child_ages"}),
        ({"rooms": 3, "adults": 2}, {"adults"}),
        ({"adults": 9}, {"adults"}),
    ],
)
async def test_invalid_searches_are_422_naming_each_field(
    client: httpx.AsyncClient, supplier: FakeHotelSupplier, params: dict[str, Any], fields: set[str]
) -> None:
    query = {
        "destination": "DPS-4",
        "check_in": "2027-01-10",
        "check_out": "2027-01-12",
        "adults": 2,
        **params,
    }
    r = await client.get("/hotels/search", params=query)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["type"].endswith("/invalid-search")
    assert {".".join(str(p) for p in e["loc"][1:]) for e in problem["errors"]} == fields
    assert "availability" not in supplier.calls


async def test_a_missing_parameter_is_422_validation_error(client: httpx.AsyncClient) -> None:
    r = await client.get("/hotels/search", params={"destination": "DPS"})
    assert r.status_code == 422
    assert r.json()["type"].endswith("/validation-error")


async def test_an_unknown_destination_is_422_naming_it(client: httpx.AsyncClient) -> None:
    r = await client.get(
        "/hotels/search", params={"destination": "XYZ", "check_in": "2027-01-10", "check_out": "2027-01-12"}
    )
    assert r.status_code == 422
    assert r.json()["type"].endswith("/invalid-search")
    assert [e["loc"] for e in r.json()["errors"]] == [["query", "destination"]]


async def test_filters_sorting_and_paging_reuse_one_supplier_call(
    client: httpx.AsyncClient, supplier: FakeHotelSupplier
) -> None:
    base = await search_offers(client, days_ahead=30)
    by_stars = await search_offers(client, days_ahead=30, sort="-stars")
    three_stars = await search_offers(client, days_ahead=30, stars=3)
    breakfast = await search_offers(client, days_ahead=30, board="BB", refundable="true")
    cheap = await search_offers(client, days_ahead=30, max_price="1500000")
    page = await search_offers(client, days_ahead=30, limit=1, offset=1)
    assert supplier.calls.count("availability") == 1
    assert [h["stars"] for h in by_stars["hotels"]] == [4, 3]
    assert [h["name"] for h in three_stars["hotels"]] == ["Pondok Bambu Ubud"]
    assert {(o["board"], o["refundable"]) for h in breakfast["hotels"] for o in h["offers"]} == {("BB", True)}
    assert all(Decimal(o["total_price"]) <= 1_500_000 for h in cheap["hotels"] for o in h["offers"])
    assert page["total"] == 2
    assert [h["hotel_id"] for h in page["hotels"]] == [base["hotels"][1]["hotel_id"]]


async def test_supplier_down_is_503_problem(client: httpx.AsyncClient, supplier: FakeHotelSupplier) -> None:
    await client.get("/hotels/destinations")
    supplier.down = True
    r = await client.get(
        "/hotels/search", params={"destination": "DPS", "check_in": "2027-01-10", "check_out": "2027-01-12"}
    )
    assert r.status_code == 503
    assert r.json()["type"].endswith("/supplier-unavailable")


async def test_hotel_details_and_unknown_hotel(
    client: httpx.AsyncClient, supplier: FakeHotelSupplier
) -> None:
    r = await client.get("/hotels/612002")
    assert (await client.get("/hotels/612002")).json() == r.json()
    assert supplier.calls.count("details") == 1  # cached
    assert r.status_code == 200
    assert r.json()["name"] == "Alaya Ubud Sawah"
    assert r.json()["rooms"][0]["max_guests"] == 3
    missing = await client.get("/hotels/999999")
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/hotel-not-found")
