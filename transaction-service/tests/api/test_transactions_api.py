"""Transactions: refunds (admin, full and partial), cancel, update, create, lists, audit, and the
hold-expiry sweeper."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from tests.api.helpers import book, book_and_pay, deliver, get, pay, run_jobs, sql
from tests.conftest import People, Person
from tests.fakes import FakeFlights, FakePayments, problem


async def paid_and_issued(
    client: httpx.AsyncClient, app: FastAPI, buyer: Person, payments: FakePayments
) -> tuple[dict[str, Any], dict[str, Any]]:
    order, payment = await book_and_pay(client, buyer)
    payments.settle(payment["id"])
    await deliver(client, payment["id"], "paid", "settlement")
    await run_jobs(app)
    return order, payment


async def test_partial_then_full_refund(
    client: httpx.AsyncClient, people: People, payments: FakePayments, flights: FakeFlights, app: FastAPI
) -> None:
    buyer, admin = people.make(), people.make("admin")
    order, payment = await paid_and_issued(client, app, buyer, payments)
    path = f"/transactions/{order['transaction_id']}/refund"
    key = admin.keyed()
    partial = await client.post(path, json={"amount": "500000.00", "reason": "seat downgrade"}, headers=key)
    assert partial.status_code == 201, partial.text
    assert partial.json()["amount"] == "500000.00"
    assert partial.json()["status"] == "SUCCEEDED"
    replay = await client.post(path, json={"amount": "500000.00", "reason": "seat downgrade"}, headers=key)
    assert replay.json() == partial.json()
    assert payments.calls.count("refund") == 1
    tx = await get(client, buyer, f"/transactions/{order['transaction_id']}")
    assert tx["status"] == "COMPLETED"
    assert tx["refunded_amount"] == "500000.00"
    assert (await get(client, buyer, f"/payments/{payment['id']}"))["status"] == "PARTIALLY_REFUNDED"
    # A partial refund keeps the sale: the booking stays issued at the provider.
    await run_jobs(app)
    assert await release_jobs(app, order["id"]) == []
    assert flights.bookings[order["booking_reference"]]["status"] == "issued"
    too_much = await client.post(path, json={"amount": "1000001.00", "reason": "x"}, headers=admin.keyed())
    assert too_much.status_code == 422
    assert too_much.json()["type"].endswith("/invalid-refund-amount")
    # Midtrans moves whole rupiah: sen are refused up front, before any refund is attempted.
    sen = await client.post(path, json={"amount": "250000.50", "reason": "x"}, headers=admin.keyed())
    assert sen.status_code == 422
    assert sen.json()["type"].endswith("/validation-error")
    assert "whole number of rupiah" in sen.text
    assert payments.calls.count("refund") == 1
    rest = await client.post(
        f"/payments/{payment['id']}/refund", json={"reason": "cancelled trip"}, headers=admin.keyed()
    )
    assert rest.status_code == 201, rest.text
    assert rest.json()["amount"] == "1000000.00"
    tx = await get(client, buyer, f"/transactions/{order['transaction_id']}")
    assert tx["status"] == "REFUNDED"
    assert tx["refunded_amount"] == "1500000.00"
    assert (await get(client, buyer, f"/payments/{payment['id']}"))["status"] == "REFUNDED"
    assert (await get(client, buyer, f"/orders/{order['id']}"))["status"] == "CANCELLED"
    # Refunded in full: the issued booking is cancelled at the provider too.
    assert await release_jobs(app, order["id"]) == [None]
    await run_jobs(app)
    assert await release_jobs(app, order["id"]) == [True]
    assert flights.bookings[order["booking_reference"]]["status"] == "cancelled"
    booking = (await get(client, buyer, f"/orders/{order['id']}"))["booking"]
    assert booking["status"] == "cancelled"
    assert booking["refund_amount"] == "1350000.00"
    assert len(booking["documents"]) == 1  # kept, void now
    audit = await sql(
        app,
        "SELECT from_status, to_status, actor, reason FROM audit_log WHERE entity_id = :o "
        "AND actor = 'system:booking.release'",
        o=order["id"],
    )
    assert audit == [
        ("CANCELLED", "CANCELLED", "system:booking.release", "booking issued → cancelled at the provider")
    ]
    nothing_left = await client.post(path, json={"reason": "again"}, headers=admin.keyed())
    assert nothing_left.status_code == 409
    events = await sql(
        app,
        "SELECT 1 FROM outbox WHERE topic = 'refund.processed' AND payload->>'order_id' = :o",
        o=order["id"],
    )
    assert len(events) == 2


async def release_jobs(app: FastAPI, order_id: str) -> list[bool | None]:
    """The booking.release jobs of an order: True once done, None while due."""
    rows = await sql(
        app,
        "SELECT delivered_at IS NOT NULL OR NULL FROM work_queue "
        "WHERE topic = 'booking.release' AND payload->>'order_id' = :o",
        o=order_id,
    )
    return [row[0] for row in rows]


async def test_the_provider_cancel_after_a_full_refund_is_retried_until_it_goes_through(
    client: httpx.AsyncClient, people: People, payments: FakePayments, flights: FakeFlights, app: FastAPI
) -> None:
    buyer, admin = people.make(), people.make("admin")
    order, _payment = await paid_and_issued(client, app, buyer, payments)
    flights.cancel_problem = problem(503, "supplier-unavailable")
    path = f"/transactions/{order['transaction_id']}/refund"
    refunded = await client.post(path, json={"reason": "trip cancelled"}, headers=admin.keyed())
    assert refunded.status_code == 201, refunded.text
    await run_jobs(app, rounds=1)
    assert flights.bookings[order["booking_reference"]]["status"] == "issued"
    assert await release_jobs(app, order["id"]) == [None]
    assert (await get(client, buyer, f"/orders/{order['id']}"))["booking"]["status"] == "issued"
    flights.cancel_problem = None
    await sql(app, "UPDATE work_queue SET next_attempt_at = now()")
    await run_jobs(app)
    assert flights.bookings[order["booking_reference"]]["status"] == "cancelled"
    assert await release_jobs(app, order["id"]) == [True]
    assert flights.calls.count("cancel") == 2
    # Already cancelled at the provider: a replayed job is done, and changes nothing more.
    await app.state.money_path.jobs.run("booking.release", {"order_id": order["id"]})
    audit = await sql(
        app,
        "SELECT reason FROM audit_log WHERE entity_id = :o AND actor = 'system:booking.release'",
        o=order["id"],
    )
    assert audit == [("booking issued → cancelled at the provider",)]


async def test_a_provider_refusing_the_cancel_for_good_is_audited(
    client: httpx.AsyncClient, people: People, payments: FakePayments, flights: FakeFlights, app: FastAPI
) -> None:
    buyer, admin = people.make(), people.make("admin")
    order, _payment = await paid_and_issued(client, app, buyer, payments)
    flights.cancel_problem = problem(404, "booking-not-found")
    path = f"/transactions/{order['transaction_id']}/refund"
    assert (await client.post(path, json={"reason": "x"}, headers=admin.keyed())).status_code == 201
    await run_jobs(app)
    assert await release_jobs(app, order["id"]) == [True]
    assert (await get(client, buyer, f"/orders/{order['id']}"))["booking"]["status"] == "issued"
    audit = await sql(
        app,
        "SELECT reason FROM audit_log WHERE entity_id = :o AND actor = 'system:booking.release'",
        o=order["id"],
    )
    assert audit == [("booking not cancelled at the provider (booking-not-found)",)]


async def test_refunds_are_for_admins_and_paid_transactions(
    client: httpx.AsyncClient, people: People, payments: FakePayments, app: FastAPI
) -> None:
    buyer, admin = people.make(), people.make("admin")
    order, payment = await book_and_pay(client, buyer)
    path = f"/transactions/{order['transaction_id']}/refund"
    assert (await client.post(path, json={"reason": "x"}, headers=buyer.keyed())).status_code == 403
    assert (
        await client.post(f"/payments/{payment['id']}/refund", json={"reason": "x"}, headers=buyer.keyed())
    ).status_code == 403
    unpaid = await client.post(path, json={"reason": "x"}, headers=admin.keyed())
    assert unpaid.status_code == 409
    assert unpaid.json()["type"].endswith("/not-refundable")
    assert (await client.post(path, json={"reason": "x"}, headers=admin.headers)).status_code == 422


async def test_a_refund_the_gateway_refuses_is_recorded_failed(
    client: httpx.AsyncClient, people: People, payments: FakePayments, app: FastAPI
) -> None:
    buyer, admin = people.make(), people.make("admin")
    order, payment = await paid_and_issued(client, app, buyer, payments)
    payments.refund_problem = problem(409, "refund-not-allowed")
    response = await client.post(
        f"/transactions/{order['transaction_id']}/refund", json={"reason": "x"}, headers=admin.keyed()
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("/refund-not-allowed")
    rows = await sql(app, "SELECT status FROM refunds WHERE payment_id = :p", p=payment["id"])
    assert rows == [("FAILED",)]
    assert (await get(client, buyer, f"/transactions/{order['transaction_id']}"))["status"] == "COMPLETED"


async def test_a_refund_made_at_the_gateway_is_reconciled(
    client: httpx.AsyncClient, people: People, payments: FakePayments, app: FastAPI
) -> None:
    buyer = people.make()
    order, payment = await paid_and_issued(client, app, buyer, payments)
    outcome = await deliver(
        client, payment["id"], "partially_refunded", "partial_refund", refunded_amount="300000.00"
    )
    assert outcome == "applied"
    assert (await get(client, buyer, f"/payments/{payment['id']}"))["refunded_amount"] == "300000.00"
    tx = await get(client, buyer, f"/transactions/{order['transaction_id']}")
    assert (tx["status"], tx["refunded_amount"]) == ("COMPLETED", "300000.00")


async def test_the_event_of_a_refund_still_in_flight_through_us_is_not_counted_twice(
    client: httpx.AsyncClient, people: People, payments: FakePayments, app: FastAPI
) -> None:
    """payment-service's event of our own refund may arrive before its answer does."""
    buyer = people.make()
    order, payment = await paid_and_issued(client, app, buyer, payments)
    await sql(
        app,
        "INSERT INTO refunds (id, transaction_id, payment_id, amount, reason, status, refund_key,"
        " processed_by) VALUES (gen_random_uuid(), :tx, :payment, 300000, 'goodwill', 'PENDING', :key,"
        " 'admin')",
        tx=order["transaction_id"],
        payment=payment["id"],
        key=f"in-flight-{payment['id']}",
    )
    outcome = await deliver(
        client, payment["id"], "partially_refunded", "partial_refund", refunded_amount="300000.00"
    )
    assert outcome == "stale"
    tx = await get(client, buyer, f"/transactions/{order['transaction_id']}")
    assert tx["refunded_amount"] == "0.00"


async def test_cancel_stops_the_charge_and_releases_the_hold(
    client: httpx.AsyncClient, people: People, payments: FakePayments, flights: FakeFlights, app: FastAPI
) -> None:
    alice, bob = people.make(), people.make()
    order, payment = await book_and_pay(client, alice)
    path = f"/transactions/{order['transaction_id']}/cancel"
    assert (await client.post(path, headers=bob.headers)).status_code == 404
    response = await client.post(path, headers=alice.headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "CANCELLED"
    assert payments.charges[payment["id"]]["status"] == "cancelled"
    assert (await get(client, alice, f"/payments/{payment['id']}"))["status"] == "CANCELLED"
    ended = await get(client, alice, f"/orders/{order['id']}")
    assert ended["status"] == "CANCELLED"
    await run_jobs(app)
    assert flights.bookings[ended["booking_reference"]]["status"] == "cancelled"
    again = await client.post(path, headers=alice.headers)
    assert again.status_code == 409
    assert again.json()["type"].endswith("/invalid-transition")


async def test_cancel_of_a_charge_that_turns_out_paid_is_409(
    client: httpx.AsyncClient, people: People, payments: FakePayments
) -> None:
    buyer = people.make()
    order, payment = await book_and_pay(client, buyer)
    payments.settle(payment["id"])
    response = await client.post(f"/transactions/{order['transaction_id']}/cancel", headers=buyer.headers)
    assert response.status_code == 409
    assert response.json()["type"].endswith("/charge-paid")
    assert (await get(client, buyer, f"/orders/{order['id']}"))["status"] == "CONFIRMED"


async def test_the_sweeper_ends_expired_holds(
    client: httpx.AsyncClient, people: People, payments: FakePayments, flights: FakeFlights, app: FastAPI
) -> None:
    buyer = people.make()
    unpaid = await book(client, buyer)
    charged, payment = await book_and_pay(client, buyer)
    paid_late, late_payment = await book_and_pay(client, buyer)
    payments.settle(late_payment["id"])
    alive = await book(client, buyer)
    await sql(
        app,
        "UPDATE orders SET hold_expires_at = now() - interval '1 minute' WHERE id IN (:a, :b, :c)",
        a=unpaid["id"],
        b=charged["id"],
        c=paid_late["id"],
    )
    assert await app.state.money_path.sweeper.expire_holds() >= 2
    for order in (unpaid, charged):
        ended = await get(client, buyer, f"/orders/{order['id']}")
        assert (ended["status"], ended["failure_reason"]) == ("CANCELLED", "hold expired")
        assert (await get(client, buyer, f"/transactions/{order['transaction_id']}"))["status"] == "FAILED"
    assert payments.charges[payment["id"]]["status"] == "cancelled"
    # Paid at the last second: left for the paid event.
    assert (await get(client, buyer, f"/orders/{paid_late['id']}"))["status"] == "CONFIRMED"
    assert (await get(client, buyer, f"/orders/{alive['id']}"))["status"] == "CONFIRMED"
    await run_jobs(app)
    assert (
        flights.bookings[(await get(client, buyer, f"/orders/{unpaid['id']}"))["booking_reference"]]["status"]
        == "cancelled"
    )
    assert await deliver(client, late_payment["id"], "paid", "settlement") == "applied"
    assert (await get(client, buyer, f"/orders/{paid_late['id']}"))["status"] == "PAID"


async def test_create_update_list_and_audit(
    client: httpx.AsyncClient, people: People, app: FastAPI, payments: FakePayments
) -> None:
    buyer, admin, other = people.make(), people.make("admin"), people.make()
    order = await book(client, buyer)
    keyless = await client.post("/transactions/", json={"order_id": order["id"]}, headers=buyer.headers)
    assert keyless.status_code == 422
    exists = await client.post("/transactions/", json={"order_id": order["id"]}, headers=buyer.keyed())
    assert exists.status_code == 409
    assert exists.json()["transaction_id"] == order["transaction_id"]
    assert (
        await client.post("/transactions/", json={"order_id": order["id"]}, headers=other.keyed())
    ).status_code == 404
    path = f"/transactions/{order['transaction_id']}"
    updated = await client.put(
        path, json={"payment_method": "gopay", "metadata": {"notes": "window seat"}}, headers=buyer.headers
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["payment_method"] == "gopay"
    assert updated.json()["metadata"] == {"notes": "window seat"}
    assert (await client.put(path, json={"status": "COMPLETED"}, headers=buyer.headers)).status_code == 422
    assert (await client.put(path, json={"payment_method": "x"}, headers=other.headers)).status_code == 404
    await pay(client, buyer, order["transaction_id"])
    locked = await client.put(path, json={"payment_method": "qris"}, headers=buyer.headers)
    assert locked.status_code == 409
    mine = await get(client, buyer, "/transactions/")
    assert mine["total"] == 1
    assert mine["items"][0]["status"] == "PROCESSING"
    assert (await get(client, buyer, "/transactions/?status=COMPLETED"))["total"] == 0
    assert (await get(client, buyer, "/transactions/?type=flight&date_from=2020-01-01"))["total"] == 1
    assert (await get(client, buyer, "/transactions/?date_to=2020-01-01"))["total"] == 0
    assert (
        await client.get("/transactions/?date_from=2026-02-02&date_to=2026-02-01", headers=buyer.headers)
    ).status_code == 422
    assert (await get(client, admin, "/transactions/?limit=1"))["limit"] == 1
    assert (await client.get(f"{path}/audit", headers=buyer.headers)).status_code == 403
    trail = await client.get(f"{path}/audit", headers=admin.headers)
    assert trail.status_code == 200
    moves = [(e["entity_type"], e["from_status"], e["to_status"]) for e in trail.json()]
    assert moves == [
        ("order", None, "CONFIRMED"),
        ("transaction", None, "PENDING"),
        ("payment", None, "PENDING"),
        ("transaction", "PENDING", "PROCESSING"),
    ]
    assert all(e["request_id"] for e in trail.json())


async def test_the_sweeper_checks_payments_whose_event_never_came(
    client: httpx.AsyncClient, people: People, payments: FakePayments, app: FastAPI
) -> None:
    buyer = people.make()
    order, payment = await book_and_pay(client, buyer)
    payments.charges[payment["id"]].update(status="expired", transaction_status="expire")
    await sql(
        app, "UPDATE payments SET expires_at = now() - interval '10 minutes' WHERE id = :id", id=payment["id"]
    )
    assert await app.state.money_path.sweeper.sync_overdue_payments() >= 1
    assert (await get(client, buyer, f"/payments/{payment['id']}"))["status"] == "EXPIRED"
    assert (await get(client, buyer, f"/orders/{order['id']}"))["status"] == "CANCELLED"
    actors = await sql(
        app,
        "SELECT DISTINCT actor FROM audit_log WHERE entity_id = :id AND to_status = 'EXPIRED'",
        id=payment["id"],
    )
    assert actors == [("system:payment-expiry",)]
