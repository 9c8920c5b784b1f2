"""Seats run out as holds are made; racing holds on the last seat: exactly one wins."""

from __future__ import annotations

import asyncio

import httpx
from conftest import amadeus_order, amadeus_search, duffel_hold, duffel_search


async def test_two_concurrent_holds_on_the_last_seat_exactly_one_wins(
    client: httpx.AsyncClient, amadeus: dict[str, str]
) -> None:
    offer = (await amadeus_search(client, amadeus, nonStop="true")).json()["data"][0]
    for _ in range(offer["numberOfBookableSeats"] - 1):
        assert (await amadeus_order(client, amadeus, offer)).status_code == 201
    results = await asyncio.gather(
        amadeus_order(client, amadeus, offer), amadeus_order(client, amadeus, offer)
    )
    assert sorted(r.status_code for r in results) == [201, 400]
    loser = next(r for r in results if r.status_code == 400)
    assert loser.json()["errors"][0]["title"] == "SEGMENT SELL FAILURE"


async def test_both_suppliers_sell_the_same_seats(client: httpx.AsyncClient, amadeus: dict[str, str]) -> None:
    offer = (await amadeus_search(client, amadeus, nonStop="true")).json()["data"][0]
    segment = offer["itineraries"][0]["segments"][0]
    for _ in range(offer["numberOfBookableSeats"]):
        assert (await amadeus_order(client, amadeus, offer)).status_code == 201
    duffel_offers = (await duffel_search(client)).json()["data"]["offers"]
    same_flight = [
        o
        for o in duffel_offers
        if len(o["slices"][0]["segments"]) == 1
        and o["slices"][0]["segments"][0]["marketing_carrier_flight_number"] == segment["number"]
        and o["slices"][0]["segments"][0]["marketing_carrier"]["iata_code"] == segment["carrierCode"]
    ]
    # The cheapest class is gone on Duffel too: the flight is offered in a dearer class, or not at all.
    klass = offer["travelerPricings"][0]["fareDetailsBySegment"][0]["class"]
    for o in same_flight:
        assert not o["slices"][0]["segments"][0]["passengers"][0]["fare_basis_code"].startswith(klass)
        held = await duffel_hold(client, o)
        assert held.status_code == 201
