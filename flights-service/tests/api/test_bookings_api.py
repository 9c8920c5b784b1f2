"""The booking contract in-process (running_app, real PostgreSQL), with fake suppliers: what is
particular to flights beyond the shared contract suite (tests/test_booking_contract.py): the exact
booking body, e-tickets, quote lines that add up, price changes, supplier refusals and outages,
and one supplier hold per Idempotency-Key even under concurrent duplicates."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI

from domain.errors import HoldRefused, SupplierTimeout, SupplierUnavailable
from domain.models import PassengerType
from testkit.asgi import running_app
from tests.conftest import INTERNAL_TOKEN
from tests.fakes import HOLD_EXPIRY, NOW, FakeSupplier, make_offer

INTERNAL = {"X-Internal-Token": INTERNAL_TOKEN}
SEARCH = {"origin": "CGK", "destination": "DPS", "departure_date": "2030-05-01"}
PASSENGER = {
    "type": "adult",
    "title": "mr",
    "first_name": "Budi",
    "last_name": "Santoso",
    "date_of_birth": "1990-01-15",
}
CONTACT = {"email": "Budi@Example.co.id", "phone": "0812-3456-7890"}
TRIP = "CGK-DPS GA 402 2030-05-01"  # the fake offer's flight, as quote lines name it


def stock(suppliers: list[FakeSupplier]) -> None:
    _, duffel = suppliers
    duffel.offers = [make_offer(supplier="duffel", ref="off_1", price="1200000")]


async def offer_id(client: httpx.AsyncClient) -> str:
    response = await client.get("/flights/search", params=SEARCH)
    assert response.status_code == 200, response.text
    found: str = response.json()["offers"][0]["offer_id"]
    return found


def hold_body(offer: str, **details: Any) -> dict[str, Any]:
    return {"offer_id": offer, "booking_details": {"passengers": [PASSENGER], "contact": CONTACT, **details}}


def new_key() -> str:
    return f"order-{uuid.uuid4()}"  # the test database is shared by the whole session


async def hold(client: httpx.AsyncClient, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    headers = {**INTERNAL, "Idempotency-Key": key or new_key()}
    return await client.post("/internal/bookings", json=body, headers=headers)


async def test_hold_then_issue(app: FastAPI, suppliers: list[FakeSupplier]) -> None:
    stock(suppliers)
    async with running_app(app) as client:
        offer = await offer_id(client)
        held = await hold(client, hold_body(offer))
        assert held.status_code == 201, held.text
        body = held.json()
        ref = body["booking_reference"]
        issued = await client.post(f"/internal/bookings/{ref}/issue", headers=INTERNAL)
        again = await client.post(f"/internal/bookings/{ref}/issue", headers=INTERNAL)
        read = await client.get(f"/internal/bookings/{ref}", headers=INTERNAL)
    stamp = NOW.isoformat().replace("+00:00", "Z")
    assert body == {
        "booking_reference": ref,
        "service_type": "flight",
        "offer_id": offer,
        "status": "held",
        "supplier": "duffel",
        "supplier_reference": "PNR001",
        "holds_inventory": True,
        "hold_expires_at": HOLD_EXPIRY.isoformat().replace("+00:00", "Z"),
        "quote": {
            "items": [
                {
                    "description": f"Adult fare {TRIP}",
                    "quantity": 1,
                    "unit_price": "1200000.00",
                }
            ],
            "total": "1200000.00",
            "currency": "IDR",
        },
        "customer": {
            "first_name": "Budi",
            "last_name": "Santoso",
            "email": "budi@example.co.id",
            "phone": "+6281234567890",
        },
        "booking_details": {
            "passengers": [
                {
                    **PASSENGER,
                    "gender": "m",
                    "nationality": None,
                    "passport_number": None,
                    "passport_expiry": None,
                }
            ],
            "contact": {"email": "budi@example.co.id", "phone": "+6281234567890"},
        },
        "documents": [],
        "failure_reason": None,
        "refund_amount": None,
        "created_at": stamp,
        "updated_at": stamp,
    }
    assert issued.status_code == 200, issued.text
    assert issued.json()["status"] == "issued"
    assert issued.json()["documents"] == [
        {
            "kind": "e-ticket",
            "reference": "126-1000000000",
            "title": "E-ticket Budi Santoso",
            "fields": {
                "passenger": "Budi Santoso",
                "ticket_number": "126-1000000000",
                "booking_code": "PNR001",
                "flight": "GA 402",
                "route": "CGK → DPS",
                "departure": "2030-05-01 06:00 WIB (UTC+07:00)",
            },
        }
    ]
    assert again.json() == issued.json()
    assert read.json() == issued.json()
    assert suppliers[1].issued == [suppliers[1].holds[0].order_id]


async def test_cancel_of_an_issued_booking_cancels_at_the_supplier(
    app: FastAPI, suppliers: list[FakeSupplier]
) -> None:
    stock(suppliers)
    duffel = suppliers[1]
    async with running_app(app) as client:
        ref = (await hold(client, hold_body(await offer_id(client)))).json()["booking_reference"]
        issued = (await client.post(f"/internal/bookings/{ref}/issue", headers=INTERNAL)).json()
        duffel.refund = Decimal("1050000.00")
        duffel.cancel_error = SupplierUnavailable("duffel", "HTTP 503")
        down = await client.post(f"/internal/bookings/{ref}/cancel", headers=INTERNAL)
        still = (await client.get(f"/internal/bookings/{ref}", headers=INTERNAL)).json()
        duffel.cancel_error = None
        cancelled = await client.post(f"/internal/bookings/{ref}/cancel", headers=INTERNAL)
        again = await client.post(f"/internal/bookings/{ref}/cancel", headers=INTERNAL)
        read = await client.get(f"/internal/bookings/{ref}", headers=INTERNAL)
        reissue = await client.post(f"/internal/bookings/{ref}/issue", headers=INTERNAL)
    assert down.status_code == 503
    assert down.json()["type"].endswith("/supplier-unavailable")
    assert still["status"] == "issued"
    assert cancelled.status_code == 200, cancelled.text
    body = cancelled.json()
    assert body["status"] == "cancelled"
    assert body["documents"] == issued["documents"]  # void now, still listed
    assert body["refund_amount"] == "1050000.00"
    assert again.json() == body
    assert read.json() == body
    assert duffel.cancelled == [duffel.holds[0].order_id]
    assert reissue.status_code == 409
    assert reissue.json()["type"].endswith("/booking-cancelled")


async def test_hold_then_cancel(app: FastAPI, suppliers: list[FakeSupplier]) -> None:
    stock(suppliers)
    async with running_app(app) as client:
        held = await hold(client, hold_body(await offer_id(client)))
        ref = held.json()["booking_reference"]
        cancelled = await client.post(f"/internal/bookings/{ref}/cancel", headers=INTERNAL)
        again = await client.post(f"/internal/bookings/{ref}/cancel", headers=INTERNAL)
        issue = await client.post(f"/internal/bookings/{ref}/issue", headers=INTERNAL)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert again.json() == cancelled.json()
    assert suppliers[1].cancelled == [suppliers[1].holds[0].order_id]
    assert issue.status_code == 409
    assert issue.json()["type"].endswith("/booking-cancelled")


async def test_the_same_key_and_body_replays_the_first_response(
    app: FastAPI, suppliers: list[FakeSupplier]
) -> None:
    stock(suppliers)
    async with running_app(app) as client:
        body, key = hold_body(await offer_id(client)), new_key()
        first = await hold(client, body, key)
        second = await hold(client, body, key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert len(suppliers[1].holds) == 1


async def test_concurrent_requests_with_one_key_hold_once(
    app: FastAPI, suppliers: list[FakeSupplier]
) -> None:
    stock(suppliers)
    suppliers[1].hold_delay = 0.2
    async with running_app(app) as client:
        body = hold_body(await offer_id(client))
        key = new_key()
        responses = await asyncio.gather(*(hold(client, body, key) for _ in range(4)))
    assert [r.status_code for r in responses] == [201] * 4
    assert len({r.json()["booking_reference"] for r in responses}) == 1
    assert len(suppliers[1].holds) == 1


async def test_the_same_key_with_another_body_is_422(app: FastAPI, suppliers: list[FakeSupplier]) -> None:
    stock(suppliers)
    async with running_app(app) as client:
        offer, key = await offer_id(client), new_key()
        await hold(client, hold_body(offer), key)
        other = await hold(client, hold_body(offer, contact={**CONTACT, "email": "sari@example.co.id"}), key)
        reused = await hold(client, hold_body(offer, contact={**CONTACT, "email": "sari@example.co.id"}), key)
    for refused in (other, reused):
        assert refused.status_code == 422
        assert refused.json()["type"].endswith("/idempotency-key-reused")
    assert len(suppliers[1].holds) == 1


async def test_a_changed_price_is_409_with_the_new_price_and_no_hold(
    app: FastAPI, suppliers: list[FakeSupplier]
) -> None:
    stock(suppliers)
    suppliers[1].reprice = "1350000"
    async with running_app(app) as client:
        offer, key = await offer_id(client), new_key()
        response = await hold(client, hold_body(offer), key)
        replay = await hold(client, hold_body(offer), key)
        now_priced = await client.get(f"/flights/offers/{offer}")
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("/price-changed")
    assert (problem["total_price"], problem["previous_total_price"], problem["currency"]) == (
        "1350000.00",
        "1200000.00",
        "IDR",
    )
    assert replay.status_code == 409
    assert replay.headers["content-type"] == "application/problem+json"
    assert {k: v for k, v in replay.json().items() if k != "request_id"} == {
        k: v for k, v in problem.items() if k != "request_id"
    }
    assert replay.json()["request_id"] != problem["request_id"]  # the replay's own, for its logs
    assert suppliers[1].holds == []
    assert suppliers[1].price_calls == 1  # the replay did not ask the supplier again
    assert now_priced.json()["total_price"] == "1350000.00"


async def test_supplier_refusals_and_outages_are_problems(
    app: FastAPI, suppliers: list[FakeSupplier]
) -> None:
    stock(suppliers)
    async with running_app(app) as client:
        body, key = hold_body(await offer_id(client)), new_key()
        suppliers[1].hold_error = SupplierUnavailable("duffel", "HTTP 500")
        down = await hold(client, body, key)
        suppliers[1].hold_error = SupplierTimeout("duffel", "timed out")
        slow = await hold(client, body, key)
        suppliers[1].hold_error = HoldRefused("duffel", "offer_no_longer_available")
        sold_out = await hold(client, body, key)  # an outage is not remembered: retried
        suppliers[1].hold_error = None
        still_sold_out = await hold(client, body, key)  # a refusal is: replayed
    assert (down.status_code, down.json()["type"].rsplit("/", 1)[1]) == (503, "supplier-unavailable")
    assert (slow.status_code, slow.json()["type"].rsplit("/", 1)[1]) == (504, "supplier-timeout")
    assert (sold_out.status_code, sold_out.json()["type"].rsplit("/", 1)[1]) == (409, "sold-out")
    assert (still_sold_out.status_code, still_sold_out.json()["detail"]) == (409, sold_out.json()["detail"])
    assert suppliers[1].holds == []


async def test_requests_that_cannot_be_held(app: FastAPI, suppliers: list[FakeSupplier]) -> None:
    stock(suppliers)
    async with running_app(app) as client:
        offer = await offer_id(client)
        gone = await hold(client, hold_body("eyJyIjoib2ZmX2dvbmUiLCJzIjoiZHVmZmVsIiwidiI6MX0"))
        bad = await hold(
            client,
            hold_body(offer, passengers=[{**PASSENGER, "first_name": "B4di", "date_of_birth": "2020-01-01"}]),
        )
        shapeless = await hold(
            client, hold_body(offer, passengers=[{**PASSENGER, "type": "pet"}], contact={"email": "a@b.id"})
        )
        flight_shaped = await client.post(
            "/internal/bookings",
            json={"offer_id": offer, "passengers": [PASSENGER], "contact": CONTACT},
            headers={**INTERNAL, "Idempotency-Key": new_key()},
        )
        no_key = await client.post("/internal/bookings", json=hold_body(offer), headers=INTERNAL)
        long_key = await hold(client, hold_body(offer), key="k" * 201)
        unknown = await client.get("/internal/bookings/nope", headers=INTERNAL)
    assert (gone.status_code, gone.json()["type"].rsplit("/", 1)[1]) == (410, "offer-expired")
    assert bad.status_code == 422
    assert bad.json()["type"].endswith("/invalid-booking")
    assert {tuple(e["loc"]) for e in bad.json()["errors"]} == {
        ("body", "booking_details", "passengers", 0, "first_name"),
        ("body", "booking_details", "passengers", 0, "date_of_birth"),
    }
    # booking_details of the wrong shape are the product's rules too, located the same way
    assert shapeless.status_code == 422
    assert shapeless.json()["type"].endswith("/invalid-booking")
    assert {tuple(e["loc"]) for e in shapeless.json()["errors"]} == {
        ("body", "booking_details", "passengers", 0, "type"),
        ("body", "booking_details", "contact", "phone"),
    }
    # the body's own shape is not: the old flight-shaped request is refused as such
    assert flight_shaped.status_code == 422
    assert flight_shaped.json()["type"].endswith("/validation-error")
    assert no_key.status_code == 422
    assert long_key.status_code == 422
    assert (unknown.status_code, unknown.json()["type"].rsplit("/", 1)[1]) == (404, "booking-not-found")
    assert suppliers[1].holds == []


async def test_internal_routes_need_the_internal_token(app: FastAPI, suppliers: list[FakeSupplier]) -> None:
    stock(suppliers)
    async with running_app(app) as client:
        body = hold_body(await offer_id(client))
        missing = await client.post("/internal/bookings", json=body, headers={"Idempotency-Key": "k"})
        wrong = await client.post(
            "/internal/bookings", json=body, headers={"Idempotency-Key": "k", "X-Internal-Token": "nope"}
        )
        read = await client.get("/internal/bookings/anything")
        schema = await client.get("/openapi.json")
    assert [missing.status_code, wrong.status_code, read.status_code] == [404, 404, 404]
    assert suppliers[1].holds == []
    assert not [path for path in schema.json()["paths"] if path.startswith("/internal")]


async def test_the_quote_adds_up_to_the_suppliers_total_when_fares_do_not_divide(
    app: FastAPI, suppliers: list[FakeSupplier]
) -> None:
    # Duffel prices only the whole offer: 1,000,000 for three adults is 333,333 each, rounded.
    offer = make_offer(
        supplier="duffel",
        ref="off_3",
        price="1000000",
        party=((PassengerType.ADULT, 2), (PassengerType.CHILD, 1)),
    )
    suppliers[1].offers = [
        replace(
            offer,
            passenger_prices=tuple(replace(p, price_each=Decimal("333333")) for p in offer.passenger_prices),
        )
    ]
    party = [
        PASSENGER,
        {**PASSENGER, "first_name": "Sari", "title": "ms", "date_of_birth": "1992-03-03"},
        {**PASSENGER, "type": "child", "first_name": "Adi", "date_of_birth": "2022-06-01"},
    ]
    async with running_app(app) as client:
        held = await hold(client, hold_body(await offer_id(client), passengers=party))
    assert held.status_code == 201, held.text
    assert held.json()["quote"] == {
        "items": [
            {"description": f"Adult fare {TRIP}", "quantity": 1, "unit_price": "333333.00"},
            {"description": f"Adult fare {TRIP}", "quantity": 1, "unit_price": "333334.00"},
            {"description": f"Child fare {TRIP}", "quantity": 1, "unit_price": "333333.00"},
        ],
        "total": "1000000.00",
        "currency": "IDR",
    }
