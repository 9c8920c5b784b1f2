"""The internal booking contract in-process (running_app, real PostgreSQL), with fake suppliers."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
from fastapi import FastAPI

from adapters.airports import AirportsDataDirectory
from app import create_app
from domain.errors import HoldRefused, SupplierTimeout, SupplierUnavailable
from testkit.asgi import running_app
from tests.conftest import INTERNAL_TOKEN, make_settings
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


def stock(suppliers: list[FakeSupplier]) -> None:
    _, duffel = suppliers
    duffel.offers = [make_offer(supplier="duffel", ref="off_1", price="1200000")]


async def offer_id(client: httpx.AsyncClient) -> str:
    response = await client.get("/flights/search", params=SEARCH)
    assert response.status_code == 200, response.text
    found: str = response.json()["offers"][0]["offer_id"]
    return found


def hold_body(offer: str, **overrides: Any) -> dict[str, Any]:
    return {"offer_id": offer, "passengers": [PASSENGER], "contact": CONTACT, **overrides}


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
    assert body == {
        "booking_reference": ref,
        "supplier": "duffel",
        "supplier_reference": "PNR001",
        "status": "held",
        "total_price": "1200000",
        "currency": "IDR",
        "hold_expires_at": HOLD_EXPIRY.isoformat().replace("+00:00", "Z"),
        "offer_id": offer,
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
        "tickets": [],
        "refund_amount": None,
        "created_at": NOW.isoformat().replace("+00:00", "Z"),
        "updated_at": NOW.isoformat().replace("+00:00", "Z"),
    }
    assert issued.status_code == 200, issued.text
    assert issued.json()["status"] == "issued"
    assert issued.json()["tickets"] == [{"passenger": "Budi Santoso", "ticket_number": "126-1000000000"}]
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
    assert body["tickets"] == issued["tickets"]  # void now, still listed
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
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
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
        "1350000",
        "1200000",
        "IDR",
    )
    assert replay.status_code == 409
    assert replay.json()["total_price"] == "1350000"
    assert suppliers[1].holds == []
    assert now_priced.json()["total_price"] == "1350000"


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
    assert (down.status_code, down.json()["type"].rsplit("/", 1)[1]) == (503, "supplier-unavailable")
    assert (slow.status_code, slow.json()["type"].rsplit("/", 1)[1]) == (504, "supplier-timeout")
    assert (sold_out.status_code, sold_out.json()["type"].rsplit("/", 1)[1]) == (409, "sold-out")


async def test_requests_that_cannot_be_held(app: FastAPI, suppliers: list[FakeSupplier]) -> None:
    stock(suppliers)
    async with running_app(app) as client:
        offer = await offer_id(client)
        gone = await hold(client, hold_body("eyJyIjoib2ZmX2dvbmUiLCJzIjoiZHVmZmVsIiwidiI6MX0"))
        bad = await hold(
            client,
            hold_body(offer, passengers=[{**PASSENGER, "first_name": "B4di", "date_of_birth": "2020-01-01"}]),
        )
        no_key = await client.post("/internal/bookings", json=hold_body(offer), headers=INTERNAL)
        long_key = await hold(client, hold_body(offer), key="k" * 201)
        unknown = await client.get("/internal/bookings/nope", headers=INTERNAL)
    assert (gone.status_code, gone.json()["type"].rsplit("/", 1)[1]) == (410, "offer-expired")
    assert bad.status_code == 422
    assert bad.json()["type"].endswith("/invalid-booking")
    assert {tuple(e["loc"]) for e in bad.json()["errors"]} == {
        ("body", "passengers", 0, "first_name"),
        ("body", "passengers", 0, "date_of_birth"),
    }
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


async def test_a_hold_past_its_deadline_reads_expired_and_cannot_be_issued(
    migrated_database_url: str, suppliers: list[FakeSupplier], airport_directory: AirportsDataDirectory
) -> None:
    stock(suppliers)
    now = [NOW]
    app = create_app(
        make_settings(migrated_database_url),
        suppliers=suppliers,
        airports=airport_directory,
        clock=lambda: now[0],
    )
    async with running_app(app) as client:
        held = await hold(client, hold_body(await offer_id(client)))
        ref = held.json()["booking_reference"]
        now[0] = HOLD_EXPIRY + timedelta(seconds=1)
        read = await client.get(f"/internal/bookings/{ref}", headers=INTERNAL)
        issue = await client.post(f"/internal/bookings/{ref}/issue", headers=INTERNAL)
        cancel = await client.post(f"/internal/bookings/{ref}/cancel", headers=INTERNAL)
    assert read.json()["status"] == "expired"
    assert (issue.status_code, issue.json()["type"].rsplit("/", 1)[1]) == (409, "hold-expired")
    assert cancel.status_code == 200
    assert cancel.json()["status"] == "expired"
    assert suppliers[1].issued == []
