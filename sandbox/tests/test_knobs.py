"""Knobs: latency, errors, timeouts, malformed bodies, hold failures; reset restores the defaults."""

from __future__ import annotations

import time

import httpx
import pytest
from conftest import DUFFEL, AppFactory, amadeus_headers, amadeus_order, amadeus_search, duffel_search


async def test_knobs_are_listed_per_supplier(client: httpx.AsyncClient) -> None:
    knobs = (await client.get("/sandbox/knobs")).json()
    # every supplier the sandbox serves has its own set (products add theirs)
    assert {"amadeus", "duffel", "midtrans", "ferry"} <= set(knobs)
    assert set(knobs["duffel"]) == {"latency_ms", "error_rate", "timeout_rate", "malformed_rate",
                                    "price_change_pct", "hold_failure_rate"}  # fmt: skip
    assert (await client.put("/sandbox/knobs/amadeus", json={"error_rate": 2})).status_code == 422
    assert (await client.put("/sandbox/knobs/nobody", json={"error_rate": 0})).status_code == 422


async def test_latency_delays_every_call_of_that_supplier_only(client: httpx.AsyncClient) -> None:
    await client.put("/sandbox/knobs/duffel", json={"latency_ms": 250})
    started = time.perf_counter()
    assert (await duffel_search(client)).status_code == 201
    slow = time.perf_counter() - started
    started = time.perf_counter()
    await amadeus_headers(client)
    fast = time.perf_counter() - started
    assert slow >= 0.25
    assert fast < 0.2


async def test_error_rate_gives_supplier_shaped_500s(client: httpx.AsyncClient) -> None:
    headers = await amadeus_headers(client)
    await client.put("/sandbox/knobs/amadeus", json={"error_rate": 1})
    await client.put("/sandbox/knobs/duffel", json={"error_rate": 1})
    a = await amadeus_search(client, headers)
    d = await duffel_search(client)
    assert a.status_code == d.status_code == 500
    assert a.json()["errors"][0]["code"] == 141
    assert d.json()["errors"][0]["type"] == "api_error"


async def test_malformed_rate_gives_a_200_that_is_not_json(client: httpx.AsyncClient) -> None:
    await client.put("/sandbox/knobs/duffel", json={"malformed_rate": 1})
    r = await duffel_search(client)
    assert r.status_code == 200
    with pytest.raises(ValueError, match=r"."):
        r.json()


async def test_timeout_rate_sleeps_past_the_client_timeout(sandbox_app: AppFactory) -> None:
    async with sandbox_app(timeout_sleep_seconds=0.4) as client:
        await client.put("/sandbox/knobs/duffel", json={"timeout_rate": 1})
        started = time.perf_counter()
        await client.get("/duffel/air/offers/off_x", headers=DUFFEL)
        assert time.perf_counter() - started >= 0.4


async def test_hold_failure_rate_fails_order_creation(
    client: httpx.AsyncClient, amadeus: dict[str, str]
) -> None:
    offer = (await amadeus_search(client, amadeus)).json()["data"][0]
    await client.put("/sandbox/knobs/amadeus", json={"hold_failure_rate": 1})
    r = await amadeus_order(client, amadeus, offer)
    assert r.status_code == 400
    assert r.json()["errors"][0]["title"] == "SEGMENT SELL FAILURE"


async def test_reset_restores_env_knobs_and_clears_holds(sandbox_app: AppFactory) -> None:
    async with sandbox_app(knobs={"latency_ms": 5}) as client:
        headers = await amadeus_headers(client)
        offer = (await amadeus_search(client, headers)).json()["data"][0]
        assert (await amadeus_order(client, headers, offer)).status_code == 201
        await client.put("/sandbox/knobs/amadeus", json={"error_rate": 1, "latency_ms": 0})
        assert (await amadeus_search(client, headers)).status_code == 500
        reset = await client.post("/sandbox/reset")
        assert reset.json()["knobs"]["amadeus"]["latency_ms"] == 5
        fresh = (await amadeus_search(client, headers)).json()["data"][0]
        assert fresh["numberOfBookableSeats"] == offer["numberOfBookableSeats"]
