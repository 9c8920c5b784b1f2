"""POST /orders/ and friends: the hold, idempotency, problems passed on, ownership."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from typing import Any

import httpx
from fastapi import FastAPI

from app import create_app
from shared.idempotency import request_fingerprint
from shared.settings import IdempotencySettings
from shared.tokens import StaticKeySource
from testkit.asgi import running_app
from testkit.keys import TestKeys
from tests.api.helpers import book, get, sql
from tests.conftest import People, make_settings, order_body
from tests.fakes import Accounts, FakeFlights, problem


async def test_an_order_holds_the_booking_and_opens_a_pending_transaction(
    client: httpx.AsyncClient, people: People, flights: FakeFlights, app: FastAPI
) -> None:
    buyer = people.make()
    order = await book(client, buyer)
    assert order["status"] == "CONFIRMED"
    assert order["total_amount"] == "1500000.00"
    assert order["currency"] == "IDR"
    assert order["order_number"].startswith("TQ-")
    assert len(order["order_number"]) == len("TQ-YYMMDD-XXXXXXXX")
    assert order["booking"] == {
        "status": "held",
        "supplier": "duffel",
        "supplier_reference": "HJK1EY",
        "holds_inventory": True,
        "documents": [],
        "refund_amount": None,
        "failure_reason": None,
    }
    assert order["line_items"] == [
        {"description": "Adult fare CGK-DPS GA 410 2026-12-20", "quantity": 1, "unit_price": "1500000.00"}
    ]
    assert (order["quantity"], order["unit_price"]) == (1, "1500000.00")
    # The product's normalised details, stored and shown as it gave them.
    assert order["booking_details"]["contact"] == {"email": "budi@example.co.id", "phone": "+6281234567890"}
    assert flights.requests == [
        {"offer_id": order_body()["offer_id"], "booking_details": order_body()["booking_details"]}
    ]
    assert order["hold_expires_at"]
    tx = await get(client, buyer, f"/transactions/{order['transaction_id']}")
    assert tx["status"] == "PENDING"
    assert tx["amount"] == "1500000.00"
    assert tx["transaction_type"] == "flight"
    events = await sql(app, "SELECT topic FROM outbox")
    assert ("transaction.created",) in events
    audit = await sql(app, "SELECT entity_type, from_status, to_status, actor FROM audit_log ORDER BY id")
    assert ("order", None, "CONFIRMED", buyer.id) in audit
    assert ("transaction", None, "PENDING", buyer.id) in audit


async def test_an_order_reads_back_as_its_creation_and_the_list_answered_it(
    client: httpx.AsyncClient, people: People
) -> None:
    # The status poll reads on the read pool, the list through the unit of work: one answer.
    buyer = people.make()
    order = await book(client, buyer)
    assert await get(client, buyer, f"/orders/{order['id']}") == order
    assert (await get(client, buyer, "/orders/"))["items"] == [order]


async def test_the_same_key_and_body_replay_the_first_order(
    client: httpx.AsyncClient, people: People, flights: FakeFlights
) -> None:
    buyer = people.make()
    headers = buyer.keyed("order-key-1")
    first = await client.post("/orders/", json=order_body(), headers=headers)
    second = await client.post("/orders/", json=order_body(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert flights.calls.count("hold") == 1
    other = await client.post("/orders/", json=order_body(offer_id="another-offer"), headers=headers)
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")


async def test_an_order_needs_an_idempotency_key_and_a_token(
    client: httpx.AsyncClient, people: People
) -> None:
    buyer = people.make()
    assert (await client.post("/orders/", json=order_body(), headers=buyer.headers)).status_code == 422
    assert (
        await client.post("/orders/", json=order_body(), headers={"Idempotency-Key": "k"})
    ).status_code == 401


async def test_price_changed_is_passed_on_with_the_new_price(
    client: httpx.AsyncClient, people: People, flights: FakeFlights
) -> None:
    flights.hold_problem = problem(
        409, "price-changed", total_price="1650000.00", previous_total_price="1500000.00", currency="IDR"
    )
    buyer = people.make()
    headers = buyer.keyed()
    response = await client.post("/orders/", json=order_body(), headers=headers)
    assert response.status_code == 409
    body = response.json()
    assert body["type"].endswith("/price-changed")
    assert body["total_price"] == "1650000.00"
    # A business answer is replayed for the same key, without asking again.
    again = await client.post("/orders/", json=order_body(), headers=headers)
    assert again.status_code == 409
    assert again.json()["total_price"] == "1650000.00"
    assert flights.calls.count("hold") == 1
    listed = await get(client, buyer, "/orders/")
    assert listed["total"] == 0


async def test_offer_expired_and_supplier_outage_are_passed_on(
    client: httpx.AsyncClient, people: People, flights: FakeFlights
) -> None:
    buyer = people.make()
    flights.hold_problem = problem(410, "offer-expired")
    gone = await client.post("/orders/", json=order_body(), headers=buyer.keyed())
    assert gone.status_code == 410
    assert gone.json()["type"].endswith("/offer-expired")
    flights.hold_problem = problem(503, "supplier-unavailable")
    headers = buyer.keyed()
    down = await client.post("/orders/", json=order_body(), headers=headers)
    assert down.status_code == 503
    # An outage is not recorded: the same key tries again and succeeds.
    flights.hold_problem = None
    assert (await client.post("/orders/", json=order_body(), headers=headers)).status_code == 201


async def test_only_flights_can_be_booked_today(client: httpx.AsyncClient, people: People) -> None:
    response = await client.post(
        "/orders/", json=order_body(service_type="hotel"), headers=people.make().keyed()
    )
    assert response.status_code == 422
    assert response.json()["type"].endswith("/service-type-unavailable")


async def test_someone_elses_order_is_not_found_and_lists_are_own(
    client: httpx.AsyncClient, people: People
) -> None:
    alice, bob, admin = people.make(), people.make(), people.make("admin")
    order = await book(client, alice)
    await book(client, bob)
    assert (await client.get(f"/orders/{order['id']}", headers=bob.headers)).status_code == 404
    assert (
        await client.get(f"/transactions/{order['transaction_id']}", headers=bob.headers)
    ).status_code == 404
    assert (await get(client, alice, "/orders/"))["total"] == 1
    assert (await get(client, admin, "/orders/"))["total"] >= 2
    assert (await get(client, admin, f"/orders/{order['id']}"))["id"] == order["id"]
    assert (await get(client, alice, "/orders/?status=CONFIRMED&service_type=flight"))["total"] == 1
    assert (await get(client, alice, "/orders/?status=PAID"))["total"] == 0


async def test_admin_changes_order_status_only_along_legal_transitions(
    client: httpx.AsyncClient, people: People, app: FastAPI
) -> None:
    buyer, admin = people.make(), people.make("admin")
    order = await book(client, buyer)
    path = f"/orders/{order['id']}/status"
    forbidden = await client.put(path, json={"status": "CANCELLED", "reason": "x"}, headers=buyer.headers)
    assert forbidden.status_code == 403
    illegal = await client.put(path, json={"status": "COMPLETED", "reason": "skip"}, headers=admin.headers)
    assert illegal.status_code == 409
    assert illegal.json()["type"].endswith("/invalid-transition")
    # No money came with it, and the real payment would then be refunded as late.
    unpaid = await client.put(path, json={"status": "PAID", "reason": "paid in cash"}, headers=admin.headers)
    assert unpaid.status_code == 409
    assert unpaid.json()["type"].endswith("/status-set-by-payment")
    no_reason = await client.put(path, json={"status": "CANCELLED"}, headers=admin.headers)
    assert no_reason.status_code == 422
    ok = await client.put(path, json={"status": "CANCELLED", "reason": "fraud check"}, headers=admin.headers)
    assert ok.status_code == 200
    assert ok.json()["status"] == "CANCELLED"
    rows = await sql(
        app,
        "SELECT from_status, to_status, actor, reason FROM audit_log WHERE entity_id = :id ORDER BY id",
        id=order["id"],
    )
    assert rows[-1] == ("CONFIRMED", "CANCELLED", admin.id, "fraud check")


async def test_admin_cancels_an_unpaid_order_like_a_cancel_but_a_paid_one_needs_a_refund(
    client: httpx.AsyncClient, people: People, app: FastAPI
) -> None:
    buyer, admin = people.make(), people.make("admin")
    order = await book(client, buyer)
    response = await client.put(
        f"/orders/{order['id']}/status",
        json={"status": "CANCELLED", "reason": "duplicate"},
        headers=admin.headers,
    )
    assert response.status_code == 200
    assert (await get(client, buyer, f"/transactions/{order['transaction_id']}"))["status"] == "CANCELLED"
    jobs = await sql(app, "SELECT topic FROM work_queue WHERE payload->>'order_id' = :o", o=order["id"])
    assert jobs == [("booking.release",)]
    paid = await book(client, buyer)
    await sql(app, "UPDATE orders SET status = 'PAID' WHERE id = :id", id=paid["id"])
    refused = await client.put(
        f"/orders/{paid['id']}/status", json={"status": "CANCELLED", "reason": "x"}, headers=admin.headers
    )
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("/refund-required")
    completed = await client.put(
        f"/orders/{paid['id']}/status",
        json={"status": "COMPLETED", "reason": "issued by phone"},
        headers=admin.headers,
    )
    assert completed.json()["status"] == "COMPLETED"


async def test_concurrent_requests_with_one_key_wait_and_replay_one_hold(
    client: httpx.AsyncClient, people: People, flights: FakeFlights
) -> None:
    buyer = people.make()
    headers = buyer.keyed("same-key-concurrently")
    responses = await asyncio.gather(
        *(client.post("/orders/", json=order_body(), headers=headers) for _ in range(10))
    )
    assert [r.status_code for r in responses] == [201] * 10
    assert len({r.json()["id"] for r in responses}) == 1
    assert flights.calls.count("hold") == 1


async def test_booking_details_are_checked_by_the_product_and_its_answer_passed_on(
    client: httpx.AsyncClient, people: People, flights: FakeFlights
) -> None:
    errors = [
        {
            "loc": ["body", "booking_details", "passengers", 0, "date_of_birth"],
            "msg": "in the future",
            "type": "x",
        },
        {"loc": ["body", "booking_details", "contact", "phone"], "msg": "not a phone", "type": "y"},
    ]
    flights.hold_problem = problem(422, "invalid-booking", errors=errors)
    response = await client.post("/orders/", json=order_body(), headers=people.make().keyed())
    assert response.status_code == 422
    assert response.json()["type"].endswith("/invalid-booking")
    assert response.json()["errors"] == errors


async def test_booking_details_must_be_a_bounded_json_object(
    client: httpx.AsyncClient, people: People
) -> None:
    buyer = people.make()
    bad: list[Any] = [
        ["not", "an", "object"],
        {"blob": "x" * 40_000},
        {"a": {"b": {"c": {"d": {"e": {"f": {"g": {"h": {}}}}}}}}},
    ]
    for details in bad:
        response = await client.post(
            "/orders/", json=order_body(booking_details=details), headers=buyer.keyed()
        )
        assert response.status_code == 422, details
        assert response.json()["type"].endswith("/validation-error")


async def test_a_quote_that_does_not_add_up_is_refused_and_the_hold_released(
    client: httpx.AsyncClient, people: People, flights: FakeFlights
) -> None:
    flights.wrong_unit_price = "1400000.00"
    response = await client.post("/orders/", json=order_body(), headers=people.make().keyed())
    assert response.status_code == 502
    assert response.json()["type"].endswith("/booking-service-error")
    (booking,) = flights.bookings.values()
    assert booking["status"] == "cancelled"


async def test_an_abandoned_key_is_taken_over(
    client: httpx.AsyncClient, people: People, flights: FakeFlights, app: FastAPI
) -> None:
    buyer = people.make()
    await sql(
        app,
        "INSERT INTO idempotency_keys (scope, key, fingerprint, created_at)"
        " VALUES (:scope, 'crashed', :fp, now() - interval '10 minutes')",
        scope=f"orders:{buyer.id}",
        fp=request_fingerprint(order_body()),
    )
    response = await client.post("/orders/", json=order_body(), headers=buyer.keyed("crashed"))
    assert response.status_code == 201, response.text


async def test_a_duplicate_gives_up_with_409_only_after_waiting(
    migrated_database_url: str, test_keys: TestKeys, accounts: Accounts, people: People
) -> None:
    settings = replace(
        make_settings(migrated_database_url),
        idempotency=IdempotencySettings(IDEMPOTENCY_WAIT_SECONDS=0.3),  # type: ignore[call-arg]
    )
    app = create_app(
        settings,
        key_source=StaticKeySource({test_keys.kid: test_keys.public_key}),
        account_states=accounts,
        workers=False,
    )
    buyer = people.make()
    async with running_app(app) as client:
        # The first request with this key is still running elsewhere (it started just now).
        await sql(
            app,
            "INSERT INTO idempotency_keys (scope, key, fingerprint) VALUES (:scope, 'running', :fp)",
            scope=f"orders:{buyer.id}",
            fp=request_fingerprint(order_body()),
        )
        started = time.monotonic()
        response = await client.post("/orders/", json=order_body(), headers=buyer.keyed("running"))
        waited = time.monotonic() - started
    assert response.status_code == 409
    assert response.json()["type"].endswith("/request-in-progress")
    assert waited >= 0.3
