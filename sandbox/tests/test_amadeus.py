"""The Amadeus-shaped supplier: OAuth2, search, pricing and flight orders as the real API shapes them."""

from __future__ import annotations

import re

import httpx
from conftest import AMADEUS_FORM, AppFactory, amadeus_headers, amadeus_order, amadeus_search, travel_day

LOCAL_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$")


async def test_token_is_issued_for_the_sandbox_credentials_only(client: httpx.AsyncClient) -> None:
    good = await client.post("/amadeus/v1/security/oauth2/token", data=AMADEUS_FORM)
    body = good.json()
    assert good.status_code == 200
    assert body["token_type"] == "Bearer"
    assert body["state"] == "approved"
    assert body["expires_in"] == 1799
    bad = await client.post("/amadeus/v1/security/oauth2/token", data={**AMADEUS_FORM, "client_secret": "x"})
    assert bad.status_code == 401
    assert bad.json()["error"] == "invalid_client"


async def test_calls_without_a_valid_bearer_token_get_amadeus_401(client: httpx.AsyncClient) -> None:
    missing = await amadeus_search(client, {})
    wrong = await amadeus_search(client, {"Authorization": "Bearer not-a-token"})
    assert missing.status_code == wrong.status_code == 401
    error = wrong.json()["errors"][0]
    assert error["status"] == 401
    assert error["code"] == 38191
    assert error["title"] == "Invalid access token"


async def test_search_returns_flight_offers_shaped_like_amadeus(
    client: httpx.AsyncClient, amadeus: dict[str, str]
) -> None:
    r = await amadeus_search(client, amadeus, adults=2, children=1, infants=1)
    body = r.json()
    assert r.status_code == 200
    assert body["meta"]["count"] == len(body["data"]) > 5
    assert body["dictionaries"]["carriers"]
    assert body["dictionaries"]["locations"]["CGK"]["cityCode"] == "JKT"
    offer = body["data"][0]
    assert offer["source"] == "GDS"
    assert offer["numberOfBookableSeats"] >= 1
    assert offer["price"]["currency"] == "IDR"
    assert re.match(r"^\d+\.\d\d$", offer["price"]["grandTotal"])
    assert 900_000 <= float(offer["travelerPricings"][0]["price"]["total"]) <= 3_500_000
    segment = offer["itineraries"][0]["segments"][0]
    assert segment["departure"]["iataCode"] == "CGK"
    assert LOCAL_TIME.match(segment["departure"]["at"])
    assert segment["carrierCode"] in {"GA", "QG", "JT", "ID", "IU", "QZ"}
    assert re.match(r"^PT\d+H(\d+M)?$", offer["itineraries"][0]["duration"])
    types = [tp["travelerType"] for tp in offer["travelerPricings"]]
    assert types == ["ADULT", "ADULT", "CHILD", "HELD_INFANT"]
    details = offer["travelerPricings"][0]["fareDetailsBySegment"][0]
    assert details["cabin"] == "ECONOMY"
    assert details["class"]
    assert "includedCheckedBags" in details
    totals = [float(o["price"]["grandTotal"]) for o in body["data"]]
    assert totals == sorted(totals)
    assert any(len(o["itineraries"][0]["segments"]) == 2 for o in body["data"])  # one-stop via a hub too


async def test_round_trip_offers_carry_two_itineraries(
    client: httpx.AsyncClient, amadeus: dict[str, str]
) -> None:
    r = await amadeus_search(client, amadeus, returnDate=travel_day(35), max=5)
    offers = r.json()["data"]
    assert len(offers) == 5
    assert all(o["itineraries"][1]["segments"][0]["departure"]["iataCode"] == "DPS" for o in offers)


async def test_bad_codes_and_past_dates_get_amadeus_400s(
    client: httpx.AsyncClient, amadeus: dict[str, str]
) -> None:
    bad_code = await amadeus_search(client, amadeus, originLocationCode="jakarta")
    past = await amadeus_search(client, amadeus, day="2020-01-01")
    assert bad_code.status_code == past.status_code == 400
    assert bad_code.json()["errors"][0]["source"]["parameter"] == "originLocationCode"
    assert past.json()["errors"][0]["title"] == "INVALID DATE"


async def test_same_query_gives_the_same_offers_in_a_new_process(sandbox_app: AppFactory) -> None:
    bodies = []
    for _ in range(2):
        async with sandbox_app() as c:
            r = await amadeus_search(c, await amadeus_headers(c))
            bodies.append(r.json()["data"])
    assert bodies[0] == bodies[1]


async def test_pricing_returns_the_price_changed_by_the_knob(
    client: httpx.AsyncClient, amadeus: dict[str, str]
) -> None:
    offer = (await amadeus_search(client, amadeus)).json()["data"][0]
    url = "/amadeus/v1/shopping/flight-offers/pricing"
    body = {"data": {"type": "flight-offers-pricing", "flightOffers": [offer]}}
    override = {**amadeus, "X-HTTP-Method-Override": "GET"}
    same = await client.post(url, json=body, headers=override)
    assert same.status_code == 200
    assert same.json()["data"]["flightOffers"][0]["price"]["grandTotal"] == offer["price"]["grandTotal"]
    await client.put("/sandbox/knobs/amadeus", json={"price_change_pct": 10})
    changed = await client.post(url, json=body, headers=override)
    new_total = float(changed.json()["data"]["flightOffers"][0]["price"]["grandTotal"])
    assert new_total > float(offer["price"]["grandTotal"]) * 1.08
    assert (await client.post(url, json=body, headers=amadeus)).status_code == 400  # no method override


async def test_hold_then_issue_gives_tickets(client: httpx.AsyncClient, amadeus: dict[str, str]) -> None:
    offer = (await amadeus_search(client, amadeus, adults=2)).json()["data"][0]
    created = await amadeus_order(client, amadeus, offer)
    assert created.status_code == 201
    order = created.json()["data"]
    assert order["type"] == "flight-order"
    assert re.match(r"^[A-Z0-9]{6}$", order["associatedRecords"][0]["reference"])
    assert order["ticketingAgreement"]["option"] == "DELAY_TO_CANCEL"
    issued = await client.post(f"/amadeus/v1/booking/flight-orders/{order['id']}/issuance", headers=amadeus)
    tickets = issued.json()["data"]["tickets"]
    assert issued.status_code == 200
    assert len(tickets) == 2
    assert all(re.match(r"^\d{3}-\d{10}$", t["documentNumber"]) for t in tickets)
    again = await client.get(f"/amadeus/v1/booking/flight-orders/{order['id']}", headers=amadeus)
    assert again.json()["data"]["tickets"] == tickets


async def test_hold_then_cancel_frees_the_seats(client: httpx.AsyncClient, amadeus: dict[str, str]) -> None:
    offer = (await amadeus_search(client, amadeus)).json()["data"][0]
    seats = offer["numberOfBookableSeats"]
    order = (await amadeus_order(client, amadeus, offer)).json()["data"]
    after_hold = (await amadeus_search(client, amadeus)).json()["data"]
    same = [o for o in after_hold if o["itineraries"] == offer["itineraries"]]
    assert not same or same[0]["numberOfBookableSeats"] == seats - 1
    url = f"/amadeus/v1/booking/flight-orders/{order['id']}"
    assert (await client.delete(url, headers=amadeus)).status_code == 204
    assert (await client.get(url, headers=amadeus)).status_code == 404
    restored = (await amadeus_search(client, amadeus)).json()["data"][0]
    assert restored["numberOfBookableSeats"] == seats


async def test_deleting_an_issued_order_voids_its_tickets_and_frees_the_seats(
    client: httpx.AsyncClient, amadeus: dict[str, str]
) -> None:
    offer = (await amadeus_search(client, amadeus)).json()["data"][0]
    seats = offer["numberOfBookableSeats"]
    order = (await amadeus_order(client, amadeus, offer)).json()["data"]
    url = f"/amadeus/v1/booking/flight-orders/{order['id']}"
    assert (await client.post(url + "/issuance", headers=amadeus)).status_code == 200
    voided = await client.delete(url, headers=amadeus)
    assert voided.status_code == 204
    assert voided.content == b""
    gone = await client.get(url, headers=amadeus)
    assert gone.status_code == 404
    assert gone.json()["errors"][0]["code"] == 1797
    again = await client.delete(url, headers=amadeus)
    assert again.status_code == 404
    reissued = await client.post(url + "/issuance", headers=amadeus)
    assert reissued.status_code == 400
    assert reissued.json()["errors"][0]["code"] == 38035
    restored = (await amadeus_search(client, amadeus)).json()["data"][0]
    assert restored["numberOfBookableSeats"] == seats


async def test_an_expired_hold_cannot_be_issued(sandbox_app: AppFactory) -> None:
    async with sandbox_app(hold_ttl_seconds=0.2) as client:
        headers = await amadeus_headers(client)
        offer = (await amadeus_search(client, headers)).json()["data"][0]
        order = (await amadeus_order(client, headers, offer)).json()["data"]
        url = f"/amadeus/v1/booking/flight-orders/{order['id']}"
        assert (await client.get(url, headers=headers)).status_code == 200
        await _wait_until_gone(client, url, headers)
        issued = await client.post(url + "/issuance", headers=headers)
        assert issued.status_code == 400
        assert issued.json()["errors"][0]["title"] == "ORDER EXPIRED"
        restored = (await amadeus_search(client, headers)).json()["data"][0]
        assert restored["numberOfBookableSeats"] == offer["numberOfBookableSeats"]


async def _wait_until_gone(client: httpx.AsyncClient, url: str, headers: dict[str, str]) -> None:
    import asyncio

    for _ in range(100):  # the deadline is checked lazily; poll it for up to 2 s
        if (await client.get(url, headers=headers)).status_code == 404:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("hold did not expire")
