"""Public browsing through the real app: ports, routes, search (offers, cache, 422 with field
errors, the operator down)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from testkit.asgi import running_app
from tests.fakes import FakeClock, FakeOperator


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(app) as client:
        yield client


def day(clock: FakeClock, ahead: int = 7) -> str:
    # Days count on the origin port's calendar (Merak: Asia/Jakarta), a day ahead of UTC's from
    # 17:00 UTC on.
    return (clock().astimezone(ZoneInfo("Asia/Jakarta")).date() + timedelta(days=ahead)).isoformat()


async def search(api: httpx.AsyncClient, clock: FakeClock, **params: Any) -> httpx.Response:
    query: dict[str, Any] = {"origin": "MRK", "destination": "BKH", "departure_date": day(clock), "adults": 2}
    query |= params
    return await api.get("/ferries/search", params=query)


async def test_ports_by_name_city_or_code(api: httpx.AsyncClient) -> None:
    merak = (await api.get("/ferries/ports", params={"q": "merak"})).json()
    assert merak == [
        {
            "code": "MRK",
            "name": "Pelabuhan Merak",
            "city": "Cilegon",
            "province": "Banten",
            "timezone": "Asia/Jakarta",
        }
    ]
    assert [p["code"] for p in (await api.get("/ferries/ports", params={"q": "jembrana"})).json()] == ["GLM"]
    assert len((await api.get("/ferries/ports")).json()) == 4


async def test_routes_list_durations_and_service_classes(api: httpx.AsyncClient) -> None:
    routes = (await api.get("/ferries/routes")).json()
    merak = next(r for r in routes if (r["origin"], r["destination"]) == ("MRK", "BKH"))
    assert merak["duration_minutes"] == 150
    assert [(s["service_class"], s["duration_minutes"]) for s in merak["service_classes"]] == [
        ("regular", 150),
        ("executive", 75),
    ]


async def test_search_offers_with_local_times_fares_and_space_left(
    api: httpx.AsyncClient, clock: FakeClock
) -> None:
    r = await search(api, clock, vehicle_class="IVA", service_class="regular")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["cached"] is False
    offer = body["offers"][0]
    assert offer["departure_at"].endswith("+07:00")
    assert offer["total_price"] == "481800.00"
    assert offer["currency"] == "IDR"
    assert offer["vehicle_class"] == "IVA"
    assert offer["passengers"] == {"adults": 2, "children": 0, "infants": 0}
    lines = {line["code"]: line for line in offer["fare_breakdown"]}
    assert lines["IVA"]["description"] == "car up to 5 m"
    assert (lines["adult"]["included_in_vehicle"], lines["adult"]["amount"]) == (2, "0.00")
    assert offer["availability"] == {"seats_left": 300, "lane_meters_left": "200.0"}
    again = (await search(api, clock, vehicle_class="IVA", service_class="regular")).json()
    assert again["cached"] is True
    assert again["offers"] == body["offers"]


async def test_a_wita_arrival_carries_its_own_offset(api: httpx.AsyncClient, clock: FakeClock) -> None:
    offer = (await search(api, clock, origin="KTP", destination="GLM")).json()["offers"][0]
    assert offer["departure_at"][-6:] == "+07:00"
    assert offer["arrival_at"][-6:] == "+08:00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"origin": "XXX"}, "origin"),
        ({"destination": "GLM"}, "destination"),
        ({"departure_date": "2020-01-01"}, "departure_date"),
        ({"departure_date": "far"}, "departure_date"),
        ({"adults": 1, "infants": 2}, "infants"),
        ({"vehicle_class": "X"}, "vehicle_class"),
        ({"service_class": "first"}, "service_class"),
    ],
)
async def test_bad_searches_are_422_naming_the_field(
    api: httpx.AsyncClient, clock: FakeClock, params: dict[str, Any], field: str
) -> None:
    r = await search(api, clock, **params)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in [e["loc"][-1] for e in r.json()["errors"]]


async def test_outside_the_sales_window_is_422(api: httpx.AsyncClient, clock: FakeClock) -> None:
    r = await search(api, clock, departure_date=day(clock, 61))
    assert r.status_code == 422
    assert r.json()["errors"][0]["loc"] == ["query", "departure_date"]


async def test_the_operator_down_is_503(
    api: httpx.AsyncClient, clock: FakeClock, operator: FakeOperator
) -> None:
    operator.down = True
    r = await search(api, clock)
    assert r.status_code == 503
    assert r.json()["type"].endswith("/supplier-unavailable")
