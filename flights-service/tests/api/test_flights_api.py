"""The flights routes in-process (running_app, real PostgreSQL), with fake suppliers."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from fastapi import FastAPI

from testkit.asgi import running_app
from tests.conftest import DEADLINE
from tests.fakes import WIB, FakeSupplier, make_offer

SEARCH = {"origin": "CGK", "destination": "DPS", "departure_date": "2030-05-01"}


def stock(suppliers: list[FakeSupplier]) -> None:
    amadeus, duffel = suppliers
    amadeus.offers = [
        make_offer(supplier="amadeus", ref="1", price="1250000"),
        make_offer(
            supplier="amadeus",
            ref="2",
            price="900000",
            flights=(("JT", "30"), ("JT", "31")),
            depart=datetime(2030, 5, 1, 5, 0, tzinfo=WIB),
        ),
    ]
    duffel.offers = [
        make_offer(supplier="duffel", ref="off_1", price="1200000"),  # same GA402 as amadeus "1", cheaper
        make_offer(
            supplier="duffel",
            ref="off_2",
            price="1500000",
            flights=(("QG", "684"),),
            depart=datetime(2030, 5, 1, 19, 0, tzinfo=WIB),
        ),
    ]


async def test_airport_autocomplete_puts_indonesia_first(app: FastAPI) -> None:
    async with running_app(app) as client:
        response = await client.get("/flights/airports", params={"q": "jakarta", "limit": 3})
        exact = await client.get("/flights/airports", params={"q": "dps"})
        empty = await client.get("/flights/airports", params={"q": ""})
    assert response.status_code == 200
    assert "CGK" in [a["iata"] for a in response.json()]
    assert all(a["country"] == "ID" for a in response.json())
    assert exact.json()[0] == {
        "iata": "DPS",
        "name": exact.json()[0]["name"],
        "city": exact.json()[0]["city"],
        "country": "ID",
        "timezone": "Asia/Makassar",
    }
    assert empty.status_code == 422


async def test_search_merges_dedups_and_sorts_offers_from_both_suppliers(
    app: FastAPI, suppliers: list[FakeSupplier]
) -> None:
    stock(suppliers)
    async with running_app(app) as client:
        response = await client.get("/flights/search", params=SEARCH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [o["total_price"] for o in body["offers"]] == ["900000.00", "1200000.00", "1500000.00"]
    ga = body["offers"][1]
    assert ga["supplier"] == "duffel"
    assert ga["currency"] == "IDR"
    assert ga["segments"][0]["designator"] == "GA402"
    assert ga["segments"][0]["departure_at"] == "2030-05-01T06:00:00+07:00"
    assert ga["segments"][0]["arrival_utc_offset"] == "+08:00"
    assert ga["stops"] == 0
    assert body["offers"][0]["stops"] == 1
    assert {s["name"]: (s["status"], s["count"]) for s in body["suppliers"]} == {
        "amadeus": ("ok", 2),
        "duffel": ("ok", 2),
    }
    assert body["cached"] is False


async def test_filters_and_sort_apply(app: FastAPI, suppliers: list[FakeSupplier]) -> None:
    stock(suppliers)
    async with running_app(app) as client:
        direct = await client.get("/flights/search", params={**SEARCH, "max_stops": 0, "sort": "departure"})
        evening = await client.get("/flights/search", params={**SEARCH, "depart_after": "18:00"})
        carriers = await client.get("/flights/search", params={**SEARCH, "carriers": "ga, jt"})
        cheap = await client.get("/flights/search", params={**SEARCH, "max_price": "1000000"})
        bad_time = await client.get("/flights/search", params={**SEARCH, "depart_after": "25:00"})
        bad_sort = await client.get("/flights/search", params={**SEARCH, "sort": "random"})
    assert [o["segments"][0]["designator"] for o in direct.json()["offers"]] == ["GA402", "QG684"]
    assert [o["segments"][0]["designator"] for o in evening.json()["offers"]] == ["QG684"]
    assert {o["segments"][0]["carrier_code"] for o in carriers.json()["offers"]} == {"GA", "JT"}
    assert [o["total_price"] for o in cheap.json()["offers"]] == ["900000.00"]
    assert bad_time.status_code == 422
    assert bad_sort.status_code == 422


async def test_invalid_searches_are_422_problems_with_clear_messages(app: FastAPI) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"origin": "XXX"}, "'XXX' is not a known airport"),
        ({"destination": "CGK"}, "must be different"),
        ({"departure_date": "2020-01-01"}, "in the past"),
        ({"adults": 1, "infants": 2}, "infants must be between 0 and the number of adults"),
        ({"adults": 7, "children": 3}, "at most 9"),
        ({"cabin_class": "luxury"}, "cabin_class must be one of"),
        ({"return_date": "2030-04-30"}, "return_date must be on or after"),
    ]
    async with running_app(app) as client:
        for overrides, message in cases:
            response = await client.get("/flights/search", params={**SEARCH, **overrides})
            assert response.status_code == 422, overrides
            assert response.headers["content-type"] == "application/problem+json"
            body = response.json()
            assert message in body["detail"], body
            assert any(message in e["msg"] for e in body["errors"]), body


async def test_a_repeated_search_is_served_from_cache(app: FastAPI, suppliers: list[FakeSupplier]) -> None:
    stock(suppliers)
    async with running_app(app) as client:
        first = (await client.get("/flights/search", params=SEARCH)).json()
        again = (await client.get("/flights/search", params={**SEARCH, "origin": "cgk"})).json()
    assert [s.search_calls for s in suppliers] == [1, 1]
    assert again["cached"] is True
    assert again["search_id"] == first["search_id"]
    assert again["offers"] == first["offers"]


async def test_a_supplier_past_the_deadline_does_not_hold_the_search(
    app: FastAPI, suppliers: list[FakeSupplier]
) -> None:
    stock(suppliers)
    suppliers[0].delay = 10
    async with running_app(app) as client:
        started = time.monotonic()
        response = await client.get("/flights/search", params=SEARCH)
        elapsed = time.monotonic() - started
    assert elapsed < DEADLINE + 0.25
    body = response.json()
    assert {o["supplier"] for o in body["offers"]} == {"duffel"}
    assert {s["name"]: s["status"] for s in body["suppliers"]} == {"amadeus": "timeout", "duffel": "ok"}


async def test_a_failing_supplier_is_reported_not_fatal(app: FastAPI, suppliers: list[FakeSupplier]) -> None:
    stock(suppliers)
    suppliers[1].fail = True
    async with running_app(app) as client:
        response = await client.get("/flights/search", params=SEARCH)
    assert response.status_code == 200
    assert {s["name"]: s["status"] for s in response.json()["suppliers"]} == {
        "amadeus": "ok",
        "duffel": "error",
    }
    assert len(response.json()["offers"]) == 2


async def test_offers_are_served_from_cache_and_unknown_ones_are_gone(
    app: FastAPI, suppliers: list[FakeSupplier]
) -> None:
    stock(suppliers)
    async with running_app(app) as client:
        offers = (await client.get("/flights/search", params=SEARCH)).json()["offers"]
        calls = [s.search_calls for s in suppliers]
        found = await client.get(f"/flights/offers/{offers[0]['offer_id']}")
        unknown = await client.get(f"/flights/offers/{make_offer(ref='nope').offer_id}")
        garbage = await client.get("/flights/offers/not-an-offer")
    assert found.status_code == 200
    assert found.json() == offers[0]
    assert [s.search_calls for s in suppliers] == calls
    assert unknown.status_code == 410
    assert unknown.headers["content-type"] == "application/problem+json"
    assert garbage.status_code == 410


async def test_repricing_reports_a_changed_price(app: FastAPI, suppliers: list[FakeSupplier]) -> None:
    stock(suppliers)
    suppliers[1].reprice = "1350000"
    async with running_app(app) as client:
        offers = (await client.get("/flights/search", params=SEARCH)).json()["offers"]
        duffel_offer = next(o for o in offers if o["supplier"] == "duffel")
        priced = await client.post(f"/flights/offers/{duffel_offer['offer_id']}/price")
        unchanged = await client.post(f"/flights/offers/{offers[0]['offer_id']}/price")
        cached = await client.get(f"/flights/offers/{duffel_offer['offer_id']}")
    assert priced.status_code == 200, priced.text
    body = priced.json()
    assert body["price_changed"] is True
    assert body["previous_total_price"] == duffel_offer["total_price"]
    assert body["offer"]["total_price"] == "1350000.00"
    assert body["offer"]["offer_id"] == duffel_offer["offer_id"]
    assert unchanged.json()["price_changed"] is False
    assert cached.json()["total_price"] == "1350000.00"
