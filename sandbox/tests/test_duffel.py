"""The Duffel-shaped supplier: headers, offer requests, offers, hold orders, payments, cancellations."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import httpx
from conftest import DUFFEL, AppFactory, amadeus_headers, amadeus_search, duffel_hold, duffel_search


async def test_missing_token_or_version_get_duffel_errors(client: httpx.AsyncClient) -> None:
    no_token = await client.get("/duffel/air/offers/off_x", headers={"Duffel-Version": "v2"})
    no_version = await client.get(
        "/duffel/air/offers/off_x", headers={"Authorization": DUFFEL["Authorization"]}
    )
    assert no_token.status_code == 401
    assert no_version.status_code == 400
    body = no_token.json()
    assert body["meta"]["status"] == 401
    assert body["meta"]["request_id"]
    assert body["errors"][0]["type"] == "authentication_error"
    assert no_version.json()["errors"][0]["code"] == "unsupported_version"


async def test_offer_request_returns_offers_shaped_like_duffel(client: httpx.AsyncClient) -> None:
    r = await duffel_search(
        client, passengers=[{"type": "adult"}, {"age": 7}, {"type": "infant_without_seat"}]
    )
    assert r.status_code == 201
    data = r.json()["data"]
    assert data["id"].startswith("orq_")
    assert data["offers"]
    offer = data["offers"][0]
    assert offer["id"].startswith("off_")
    assert offer["total_currency"] == "IDR"
    assert float(offer["total_amount"]) == float(offer["base_amount"]) + float(offer["tax_amount"])
    assert [p["type"] for p in offer["passengers"]] == ["adult", "child", "infant_without_seat"]
    assert offer["payment_requirements"]["requires_instant_payment"] is False
    assert "refund_before_departure" in offer["conditions"]
    segment = offer["slices"][0]["segments"][0]
    assert segment["origin"]["iata_code"] == "CGK"
    assert segment["origin"]["time_zone"] == "Asia/Jakarta"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$", segment["departing_at"])
    assert segment["marketing_carrier"]["iata_code"]
    assert segment["marketing_carrier_flight_number"]
    assert segment["passengers"][0]["baggages"][0]["type"] == "checked"


async def test_invalid_offer_request_gets_a_422(client: httpx.AsyncClient) -> None:
    r = await duffel_search(client, day="2020-01-01")
    assert r.status_code == 422
    assert r.json()["errors"][0]["type"] == "validation_error"


async def test_the_same_flight_is_sold_by_both_suppliers_at_different_prices(
    client: httpx.AsyncClient,
) -> None:
    headers = await amadeus_headers(client)
    amadeus_offers = (await amadeus_search(client, headers)).json()["data"]
    duffel_offers = (await duffel_search(client)).json()["data"]["offers"]

    def amadeus_flight(o: dict[str, Any]) -> tuple[tuple[str, str, str], ...]:
        s = o["itineraries"][0]["segments"]
        return tuple((x["carrierCode"], x["number"], x["departure"]["at"]) for x in s)

    def duffel_flight(o: dict[str, Any]) -> tuple[tuple[str, str, str], ...]:
        s = o["slices"][0]["segments"]
        return tuple(
            (x["marketing_carrier"]["iata_code"], x["marketing_carrier_flight_number"], x["departing_at"])
            for x in s
        )

    a = {amadeus_flight(o): float(o["price"]["grandTotal"]) for o in amadeus_offers}
    d = {duffel_flight(o): float(o["total_amount"]) for o in duffel_offers}
    shared = set(a) & set(d)
    assert len(shared) >= 5
    assert any(a[k] != d[k] for k in shared)


async def test_offer_ids_are_stable_and_reads_apply_the_price_change(client: httpx.AsyncClient) -> None:
    first = (await duffel_search(client)).json()["data"]["offers"]
    second = (await duffel_search(client)).json()["data"]["offers"]
    assert [o["id"] for o in first] == [o["id"] for o in second]
    offer = first[0]
    same = await client.get(f"/duffel/air/offers/{offer['id']}", headers=DUFFEL)
    assert same.json()["data"]["total_amount"] == offer["total_amount"]
    await client.put("/sandbox/knobs/duffel", json={"price_change_pct": 20})
    changed = await client.get(f"/duffel/air/offers/{offer['id']}", headers=DUFFEL)
    assert float(changed.json()["data"]["total_amount"]) > float(offer["total_amount"]) * 1.15
    assert (await client.get("/duffel/air/offers/off_unknown", headers=DUFFEL)).status_code == 404


async def test_hold_then_pay_issues_e_tickets(client: httpx.AsyncClient) -> None:
    offer = (await duffel_search(client, passengers=[{"type": "adult"}, {"type": "adult"}])).json()["data"][
        "offers"
    ][0]
    held = await duffel_hold(client, offer)
    assert held.status_code == 201
    order = held.json()["data"]
    assert order["payment_status"]["awaiting_payment"] is True
    assert order["documents"] == []
    assert re.match(r"^[A-Z0-9]{6}$", order["booking_reference"])
    pay = {"order_id": order["id"], "payment": {"type": "balance", "amount": "1.00", "currency": "IDR"}}
    wrong = await client.post("/duffel/air/payments", json={"data": pay}, headers=DUFFEL)
    assert wrong.status_code == 422
    pay["payment"]["amount"] = order["total_amount"]
    paid = await client.post("/duffel/air/payments", json={"data": pay}, headers=DUFFEL)
    assert paid.status_code == 201
    issued = (await client.get(f"/duffel/air/orders/{order['id']}", headers=DUFFEL)).json()["data"]
    assert issued["payment_status"]["awaiting_payment"] is False
    assert [d["type"] for d in issued["documents"]] == ["electronic_ticket"] * 2
    assert all(re.match(r"^\d{13}$", d["unique_identifier"]) for d in issued["documents"])


async def test_cancellation_quote_then_confirm_releases_the_seats(client: httpx.AsyncClient) -> None:
    offer = (await duffel_search(client)).json()["data"]["offers"][0]
    order = (await duffel_hold(client, offer)).json()["data"]
    quote = await client.post(
        "/duffel/air/order_cancellations", json={"data": {"order_id": order["id"]}}, headers=DUFFEL
    )
    assert quote.status_code == 201
    assert quote.json()["data"]["confirmed_at"] is None
    cid = quote.json()["data"]["id"]
    confirmed = await client.post(f"/duffel/air/order_cancellations/{cid}/actions/confirm", headers=DUFFEL)
    assert confirmed.status_code == 200
    assert confirmed.json()["data"]["confirmed_at"]
    cancelled = (await client.get(f"/duffel/air/orders/{order['id']}", headers=DUFFEL)).json()["data"]
    assert cancelled["cancelled_at"]
    pay = {
        "order_id": order["id"],
        "payment": {"type": "balance", "amount": order["total_amount"], "currency": "IDR"},
    }
    refused = await client.post("/duffel/air/payments", json={"data": pay}, headers=DUFFEL)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "already_cancelled"


async def _paid_order(client: httpx.AsyncClient, offer: dict[str, Any]) -> dict[str, Any]:
    order = (await duffel_hold(client, offer)).json()["data"]
    pay = {
        "order_id": order["id"],
        "payment": {"type": "balance", "amount": order["total_amount"], "currency": "IDR"},
    }
    assert (await client.post("/duffel/air/payments", json={"data": pay}, headers=DUFFEL)).status_code == 201
    return dict((await client.get(f"/duffel/air/orders/{order['id']}", headers=DUFFEL)).json()["data"])


async def _quote(client: httpx.AsyncClient, order_id: str) -> httpx.Response:
    return await client.post(
        "/duffel/air/order_cancellations", json={"data": {"order_id": order_id}}, headers=DUFFEL
    )


async def test_cancelling_a_paid_order_quotes_the_refund_the_conditions_allow(
    client: httpx.AsyncClient,
) -> None:
    economy = (await duffel_search(client)).json()["data"]["offers"]
    business = (await duffel_search(client, cabin_class="business")).json()["data"]["offers"]
    not_refundable = next(o for o in economy if not o["conditions"]["refund_before_departure"]["allowed"])
    refundable = next(o for o in business if o["conditions"]["refund_before_departure"]["allowed"])
    for offer in (refundable, not_refundable):
        order = await _paid_order(client, offer)
        assert order["documents"]
        assert "cancel" in order["available_actions"]
        quote = await _quote(client, order["id"])
        assert quote.status_code == 201
        data = quote.json()["data"]
        assert data["id"].startswith("ore_")
        assert data["order_id"] == order["id"]
        assert data["refund_currency"] == "IDR"
        assert data["refund_to"] == "balance"
        assert data["confirmed_at"] is None
        assert data["airline_credits"] == []
        assert data["expires_at"] > data["created_at"]
        rule = order["conditions"]["refund_before_departure"]
        if rule["allowed"]:
            expected = Decimal(order["total_amount"]) - Decimal(rule["penalty_amount"])
        else:
            expected = Decimal(order["tax_amount"])  # only the taxes come back
        assert Decimal(data["refund_amount"]) == expected
        assert re.match(r"^\d+\.\d\d$", data["refund_amount"])
        confirmed = await client.post(
            f"/duffel/air/order_cancellations/{data['id']}/actions/confirm", headers=DUFFEL
        )
        assert confirmed.status_code == 200
        assert confirmed.json()["data"]["confirmed_at"]
        assert confirmed.json()["data"]["refund_amount"] == data["refund_amount"]
        cancelled = (await client.get(f"/duffel/air/orders/{order['id']}", headers=DUFFEL)).json()["data"]
        assert cancelled["cancelled_at"]
        assert cancelled["available_actions"] == []
        again = await _quote(client, order["id"])
        assert again.status_code == 422
        assert again.json()["errors"][0]["code"] == "already_cancelled"


def _amadeus_seats(offers: list[dict[str, Any]], number: str, klass: str) -> int:
    for o in offers:
        if (
            o["itineraries"][0]["segments"][0]["number"] == number
            and o["travelerPricings"][0]["fareDetailsBySegment"][0]["class"] == klass
        ):
            return int(o["numberOfBookableSeats"])
    raise AssertionError(f"no Amadeus offer for flight {number} class {klass}")


async def test_cancelling_a_paid_order_returns_its_seats(client: httpx.AsyncClient) -> None:
    headers = await amadeus_headers(client)
    amadeus_offers = (await amadeus_search(client, headers, nonStop="true")).json()["data"]
    segment = amadeus_offers[0]["itineraries"][0]["segments"][0]
    klass = amadeus_offers[0]["travelerPricings"][0]["fareDetailsBySegment"][0]["class"]
    seats = _amadeus_seats(amadeus_offers, segment["number"], klass)
    offer = next(
        o
        for o in (await duffel_search(client, max_connections=0)).json()["data"]["offers"]
        if len(o["slices"][0]["segments"]) == 1
        and o["slices"][0]["segments"][0]["marketing_carrier_flight_number"] == segment["number"]
        and o["slices"][0]["segments"][0]["passengers"][0]["fare_basis_code"].startswith(klass)
    )
    order = await _paid_order(client, offer)
    taken = (await amadeus_search(client, headers, nonStop="true")).json()["data"]
    assert _amadeus_seats(taken, segment["number"], klass) == seats - 1
    quote = (await _quote(client, order["id"])).json()["data"]
    confirm = f"/duffel/air/order_cancellations/{quote['id']}/actions/confirm"
    assert (await client.post(confirm, headers=DUFFEL)).status_code == 200
    back = (await amadeus_search(client, headers, nonStop="true")).json()["data"]
    assert _amadeus_seats(back, segment["number"], klass) == seats


async def test_an_expired_hold_cannot_be_paid(sandbox_app: AppFactory) -> None:
    import asyncio

    async with sandbox_app(hold_ttl_seconds=0.2) as client:
        offer = (await duffel_search(client)).json()["data"]["offers"][0]
        order = (await duffel_hold(client, offer)).json()["data"]
        for _ in range(100):
            got = (await client.get(f"/duffel/air/orders/{order['id']}", headers=DUFFEL)).json()["data"]
            if got["cancelled_at"]:
                break
            await asyncio.sleep(0.02)
        assert got["payment_status"]["awaiting_payment"] is False
        pay = {
            "order_id": order["id"],
            "payment": {"type": "balance", "amount": order["total_amount"], "currency": "IDR"},
        }
        refused = await client.post("/duffel/air/payments", json={"data": pay}, headers=DUFFEL)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["code"] == "order_expired"
