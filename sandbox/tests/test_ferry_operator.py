"""The ferry operator: token, ports and routes, sailings with local times and real fares, quotes,
holds with seats and lane metres, issue with boarding codes, refund rules, operator cancellation."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import httpx
from conftest import AppFactory, make_settings, travel_day

from app import create_app
from config import FerrySettings
from testkit.asgi import running_app

FORM = {
    "grant_type": "client_credentials",
    "client_id": "sandbox-ferry-client",
    "client_secret": "sandbox-ferry-secret",
}


async def ferry_headers(client: httpx.AsyncClient) -> dict[str, str]:
    r = await client.post("/ferry/v1/auth/token", data=FORM)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def sailings(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    origin: str = "MRK",
    destination: str = "BKH",
    day: str | None = None,
    **params: Any,
) -> httpx.Response:
    query = {"origin": origin, "destination": destination, "departure_date": day or travel_day(10), **params}
    return await client.get("/ferry/v1/sailings", params=query, headers=headers)


async def book(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    sailing_id: str,
    adults: int = 2,
    vehicle: str | None = None,
) -> httpx.Response:
    q = await client.post(
        "/ferry/v1/quotes",
        json={"sailing_id": sailing_id, "passengers": {"adult": adults}, "vehicle_class": vehicle},
        headers=headers,
    )
    assert q.status_code == 201, q.text
    body: dict[str, Any] = {
        "quote_id": q.json()["data"]["id"],
        "passengers": [{"type": "adult", "full_name": f"Budi Santoso {i}"} for i in range(adults)],
        "contact": {"email": "budi@example.id", "phone": "+6281234567890"},
    }
    if vehicle:
        body["vehicle"] = {"class": vehicle, "plate_number": "B 1234 XYZ"}
    return await client.post("/ferry/v1/bookings", json=body, headers=headers)


async def test_token_for_the_sandbox_client_only_and_bearer_required(client: httpx.AsyncClient) -> None:
    assert (await client.post("/ferry/v1/auth/token", data={**FORM, "client_secret": "x"})).status_code == 401
    missing = await client.get("/ferry/v1/ports")
    assert missing.status_code == 401
    assert missing.json()["errors"][0]["code"] == "UNAUTHORIZED"
    headers = await ferry_headers(client)
    ports = (await client.get("/ferry/v1/ports", headers=headers)).json()["data"]
    by_code = {p["code"]: p for p in ports}
    assert by_code["MRK"]["province"] == "Banten"
    assert by_code["GLM"]["timezone"] == "Asia/Makassar"
    routes = (await client.get("/ferry/v1/routes", headers=headers)).json()["data"]
    merak = next(r for r in routes if (r["origin"], r["destination"]) == ("MRK", "BKH"))
    assert {c["name"]: c["duration_minutes"] for c in merak["service_classes"]} == {
        "regular": 150,
        "executive": 75,
    }


async def test_sailings_run_round_the_clock_with_local_times_and_published_fares(
    client: httpx.AsyncClient,
) -> None:
    headers = await ferry_headers(client)
    r = await sailings(client, headers, adult=2, vehicle_class="IVA", service_class="regular")
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert len(data) == 24  # hourly, 24 hours
    first = data[0]
    assert first["departure_time"].endswith("+07:00")
    dep = datetime.fromisoformat(first["departure_time"])
    arr = datetime.fromisoformat(first["arrival_time"])
    assert arr - dep == timedelta(minutes=150)
    breakdown = {line["code"]: line for line in first["fares"]["breakdown"]}
    assert breakdown["IVA"]["unit_price"] == "481800.00"
    assert breakdown["adult"]["included_in_vehicle"] == 2  # the car's fare carries its people
    assert first["fares"]["total"] == "481800.00"
    walk_on = (await sailings(client, headers, adult=2, service_class="regular")).json()["data"][0]
    assert walk_on["fares"]["total"] == "45400.00"


async def test_a_wita_arrival_reads_an_hour_later_on_the_clock(client: httpx.AsyncClient) -> None:
    headers = await ferry_headers(client)
    data = (await sailings(client, headers, "KTP", "GLM", vehicle_class="II")).json()["data"]
    first = data[0]
    dep, arr = first["departure_time"], first["arrival_time"]
    assert dep.endswith("+07:00")
    assert arr.endswith("+08:00")
    # 45 minutes of sailing, 1 h 45 min on the clock
    dep_clock = datetime.fromisoformat(dep).replace(tzinfo=None)
    arr_clock = datetime.fromisoformat(arr).replace(tzinfo=None)
    assert arr_clock - dep_clock == timedelta(hours=1, minutes=45)
    assert {line["code"]: line["unit_price"] for line in first["fares"]["breakdown"]}["II"] == "33100.00"


async def test_bad_searches_get_operator_errors(client: httpx.AsyncClient) -> None:
    headers = await ferry_headers(client)
    unknown = await sailings(client, headers, origin="XXX")
    no_route = await sailings(client, headers, origin="MRK", destination="GLM")
    far = await sailings(client, headers, day=travel_day(61))
    bad_vehicle = await sailings(client, headers, vehicle_class="X")
    infants = await sailings(client, headers, adult=1, infant=2)
    assert (unknown.status_code, unknown.json()["errors"][0]["code"]) == (400, "UNKNOWN_PORT")
    assert (no_route.status_code, no_route.json()["errors"][0]["code"]) == (404, "ROUTE_NOT_FOUND")
    assert (far.status_code, far.json()["errors"][0]["code"]) == (422, "OUTSIDE_SALES_WINDOW")
    assert bad_vehicle.json()["errors"][0]["source"] == {"field": "vehicle_class"}
    assert infants.status_code == 400


async def test_hold_takes_seats_and_deck_space_and_issue_gives_boarding_codes(
    client: httpx.AsyncClient,
) -> None:
    headers = await ferry_headers(client)
    sailing = (await sailings(client, headers, adult=2, vehicle_class="IVA")).json()["data"][3]
    held = await book(client, headers, sailing["id"], adults=2, vehicle="IVA")
    assert held.status_code == 201, held.text
    booking = held.json()["data"]
    assert booking["status"] == "HELD"
    assert booking["hold_expires_at"].endswith("Z")
    after = (await client.get(f"/sandbox/ferry/sailings/{sailing['id']}")).json()["available"]
    assert after["seats"] == sailing["available"]["seats"] - 2
    assert float(after["lane_meters"]) == float(sailing["available"]["lane_meters"]) - 5.5
    issued = await client.post(f"/ferry/v1/bookings/{booking['id']}/issue", headers=headers)
    tickets = issued.json()["data"]["tickets"]
    assert issued.json()["data"]["status"] == "ISSUED"
    assert [t["category"] for t in tickets] == ["passenger", "passenger", "vehicle"]
    assert len({t["boarding_code"] for t in tickets}) == 3
    again = await client.post(f"/ferry/v1/bookings/{booking['id']}/issue", headers=headers)
    assert again.json()["data"]["tickets"] == tickets


async def test_last_space_goes_to_exactly_one_of_two_racing_holds(client: httpx.AsyncClient) -> None:
    headers = await ferry_headers(client)
    sailing = (await sailings(client, headers, adult=1)).json()["data"][5]
    await client.put(f"/sandbox/ferry/sailings/{sailing['id']}/space", json={"seats": 1, "lane_meters": 3})
    results = await asyncio.gather(*(book(client, headers, sailing["id"], adults=1) for _ in range(2)))
    assert sorted(r.status_code for r in results) == [201, 409]
    refused = next(r for r in results if r.status_code == 409)
    assert refused.json()["errors"][0]["code"] == "CAPACITY_EXHAUSTED"
    car = await book(client, headers, sailing["id"], adults=1, vehicle="IVA")  # the car does not fit
    assert car.status_code == 409


async def test_a_lapsed_hold_expires_and_frees_its_space() -> None:
    settings = replace(make_settings(), ferry=FerrySettings(hold_ttl_seconds=0.3))
    async with running_app(create_app(settings)) as client:
        headers = await ferry_headers(client)
        sailing = (await sailings(client, headers, adult=1)).json()["data"][6]
        await client.put(
            f"/sandbox/ferry/sailings/{sailing['id']}/space", json={"seats": 1, "lane_meters": 0}
        )
        first = (await book(client, headers, sailing["id"], adults=1)).json()["data"]
        assert (await book(client, headers, sailing["id"], adults=1)).status_code == 409
        await asyncio.sleep(1.4)  # the deadline is rounded up to a whole second
        lapsed = await client.get(f"/ferry/v1/bookings/{first['id']}", headers=headers)
        assert lapsed.json()["data"]["status"] == "EXPIRED"
        issue = await client.post(f"/ferry/v1/bookings/{first['id']}/issue", headers=headers)
        assert (issue.status_code, issue.json()["errors"][0]["code"]) == (409, "BOOKING_EXPIRED")
        assert (await book(client, headers, sailing["id"], adults=1)).status_code == 201


async def test_cancelling_a_hold_gives_its_seat_back(client: httpx.AsyncClient) -> None:
    headers = await ferry_headers(client)
    sailing = (await sailings(client, headers, adult=1)).json()["data"][7]
    await client.put(f"/sandbox/ferry/sailings/{sailing['id']}/space", json={"seats": 1, "lane_meters": 0})
    first = (await book(client, headers, sailing["id"], adults=1)).json()["data"]
    cancel = await client.post(f"/ferry/v1/bookings/{first['id']}/cancel", headers=headers)
    assert cancel.json()["data"]["status"] == "CANCELLED"
    assert cancel.json()["data"]["refund_amount"] is None
    assert (await book(client, headers, sailing["id"], adults=1)).status_code == 201


async def test_refunds_follow_the_operator_rules(client: httpx.AsyncClient) -> None:
    headers = await ferry_headers(client)
    sailing = (await sailings(client, headers, adult=2, service_class="regular")).json()["data"][2]
    booking = (await book(client, headers, sailing["id"], adults=2)).json()["data"]
    await client.post(f"/ferry/v1/bookings/{booking['id']}/issue", headers=headers)
    quote = (await client.get(f"/ferry/v1/bookings/{booking['id']}/refund-quote", headers=headers)).json()[
        "data"
    ]
    assert quote == {
        "booking_id": booking["id"],
        "currency": "IDR",
        "refundable": True,
        "refund_amount": "34050.00",
        "fee": "11350.00",
        "policy": "REFUND_75_PERCENT",
    }
    cancelled = (await client.post(f"/ferry/v1/bookings/{booking['id']}/cancel", headers=headers)).json()[
        "data"
    ]
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["refund_amount"] == "34050.00"
    assert cancelled["tickets"]  # kept, now void


async def test_an_operator_cancelled_sailing_cannot_be_issued_and_refunds_in_full(
    client: httpx.AsyncClient,
) -> None:
    headers = await ferry_headers(client)
    sailing = (await sailings(client, headers, adult=1, service_class="regular")).json()["data"][8]
    held = (await book(client, headers, sailing["id"], adults=1)).json()["data"]
    issued = (await book(client, headers, sailing["id"], adults=1)).json()["data"]
    await client.post(f"/ferry/v1/bookings/{issued['id']}/issue", headers=headers)
    r = await client.post(f"/sandbox/ferry/sailings/{sailing['id']}/cancel")
    assert r.json()["status"] == "CANCELLED"
    refused = await client.post(f"/ferry/v1/bookings/{held['id']}/issue", headers=headers)
    assert (refused.status_code, refused.json()["errors"][0]["code"]) == (409, "SAILING_CANCELLED")
    refund = (await client.post(f"/ferry/v1/bookings/{issued['id']}/cancel", headers=headers)).json()["data"]
    assert refund["refund_amount"] == refund["total"] == "22700.00"
    listed = (await sailings(client, headers, adult=1)).json()["data"]
    assert next(s for s in listed if s["id"] == sailing["id"])["status"] == "CANCELLED"


async def test_quote_applies_the_fare_change_knob_and_holds_refuse_on_the_hold_knob(
    client: httpx.AsyncClient,
) -> None:
    headers = await ferry_headers(client)
    sailing = (await sailings(client, headers, adult=1, service_class="regular")).json()["data"][1]
    await client.put("/sandbox/knobs/ferry", json={"price_change_pct": 10})
    q = await client.post(
        "/ferry/v1/quotes", json={"sailing_id": sailing["id"], "passengers": {"adult": 1}}, headers=headers
    )
    assert q.json()["data"]["total"] == "25000.00"  # 22,700 + 10 %, to the next hundred rupiah
    await client.put("/sandbox/knobs/ferry", json={"price_change_pct": 0, "hold_failure_rate": 1})
    refused = await book(client, headers, sailing["id"], adults=1)
    assert refused.status_code == 409


async def test_error_and_malformed_knobs(client: httpx.AsyncClient) -> None:
    headers = await ferry_headers(client)
    await client.put("/sandbox/knobs/ferry", json={"error_rate": 1})
    failed = await sailings(client, headers)
    assert failed.status_code == 500
    assert failed.json()["errors"][0]["code"] == "INTERNAL_ERROR"
    await client.put("/sandbox/knobs/ferry", json={"error_rate": 0, "malformed_rate": 1})
    garbage = await sailings(client, headers)
    assert garbage.status_code == 200
    assert garbage.content.startswith(b'{"data": [{"id": "MRKBKH-<<<')
    reset = await client.post("/sandbox/reset")
    assert reset.json()["knobs"]["ferry"]["malformed_rate"] == 0


async def test_the_same_query_gives_the_same_sailings_in_every_run(sandbox_app: AppFactory) -> None:
    bodies = []
    for _ in range(2):
        async with sandbox_app() as client:
            headers = await ferry_headers(client)
            bodies.append((await sailings(client, headers, "PDB", "LBR", adult=1)).json()["data"])
    assert bodies[0] == bodies[1]
    assert all(s["departure_time"].endswith("+08:00") for s in bodies[0])
