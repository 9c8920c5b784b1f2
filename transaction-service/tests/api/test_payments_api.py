"""POST /payments/, the signed webhook, the work queue (issue, release, automatic refunds)."""

from __future__ import annotations

import asyncio
import random
import time
from decimal import Decimal

import httpx
from fastapi import FastAPI

from tests.api.helpers import book, book_and_pay, deliver, get, pay, run_jobs, sql
from tests.conftest import People
from tests.fakes import FakeFlights, FakePayments, payment_event, problem


async def test_paying_starts_one_snap_charge_for_the_hold(
    client: httpx.AsyncClient, people: People, payments: FakePayments
) -> None:
    buyer = people.make()
    order = await book(client, buyer)
    payment = await pay(client, buyer, order["transaction_id"])
    assert payment["status"] == "PENDING"
    assert payment["token"]
    assert payment["redirect_url"].endswith(payment["token"])
    assert payment["amount"] == "1500000.00"
    request = payments.requests[0]
    assert request["order_id"] == payment["id"]
    assert request["gross_amount"] == "1500000.00"
    assert sum(Decimal(i["price"]) * i["quantity"] for i in request["item_details"]) == Decimal("1500000.00")
    assert 1 <= request["expiry_minutes"] <= 20
    assert request["customer_details"]["email"] == "budi@example.co.id"
    assert request["customer_details"]["first_name"] == "Budi"
    tx = await get(client, buyer, f"/transactions/{order['transaction_id']}")
    assert tx["status"] == "PROCESSING"
    # Still pending: the same payment comes back, no second charge.
    again = await pay(client, buyer, order["transaction_id"])
    assert again["id"] == payment["id"]
    assert payments.calls.count("charge") == 1
    assert (await get(client, buyer, f"/payments/{payment['id']}"))["token"] == payment["token"]


async def test_a_payment_names_its_gateway_and_payment_service_is_told(
    client: httpx.AsyncClient, people: People, payments: FakePayments
) -> None:
    buyer = people.make()
    order = await book(client, buyer)
    body = {"transaction_id": order["transaction_id"], "gateway": "xendit"}
    created = await client.post("/payments/", json=body, headers=buyer.keyed())
    unknown = await client.post("/payments/", json={**body, "gateway": "paypal"}, headers=buyer.keyed())
    assert created.status_code == 201, created.text
    assert created.json()["gateway"] == "xendit"
    assert payments.requests[-1]["gateway"] == "xendit"
    assert (await get(client, buyer, f"/payments/{created.json()['id']}"))["gateway"] == "xendit"
    assert unknown.status_code == 422
    plain = await book(client, buyer)
    await pay(client, buyer, plain["transaction_id"])
    assert "gateway" not in payments.requests[-1]  # payment-service's default decides


async def test_someone_else_cannot_pay_or_read_a_payment(client: httpx.AsyncClient, people: People) -> None:
    alice, bob = people.make(), people.make()
    order, payment = await book_and_pay(client, alice)
    response = await client.post(
        "/payments/", json={"transaction_id": order["transaction_id"]}, headers=bob.keyed()
    )
    assert response.status_code == 404
    assert (await client.get(f"/payments/{payment['id']}", headers=bob.headers)).status_code == 404


async def test_an_expired_hold_cannot_be_paid(
    client: httpx.AsyncClient, people: People, app: FastAPI
) -> None:
    buyer = people.make()
    order = await book(client, buyer)
    await sql(
        app, "UPDATE orders SET hold_expires_at = now() - interval '1 minute' WHERE id = :id", id=order["id"]
    )
    response = await client.post(
        "/payments/", json={"transaction_id": order["transaction_id"]}, headers=buyer.keyed()
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("/hold-expired")


async def test_a_refused_charge_fails_the_payment_and_an_outage_can_be_retried(
    client: httpx.AsyncClient, people: People, payments: FakePayments
) -> None:
    buyer = people.make()
    order = await book(client, buyer)
    payments.charge_problem = problem(503, "gateway-unavailable")
    key = buyer.keyed()
    down = await client.post("/payments/", json={"transaction_id": order["transaction_id"]}, headers=key)
    assert down.status_code == 503
    assert down.json()["type"].endswith("/gateway-unavailable")
    payments.charge_problem = None
    ok = await client.post("/payments/", json={"transaction_id": order["transaction_id"]}, headers=key)
    assert ok.status_code == 201
    assert ok.json()["token"]


async def test_bad_missing_or_stale_signatures_are_refused(
    client: httpx.AsyncClient, people: People, app: FastAPI
) -> None:
    buyer = people.make()
    _order, payment = await book_and_pay(client, buyer)
    body, headers, _ = payment_event(payment["id"], "paid", "settlement", secret="x" * 40)
    assert (await client.post("/webhooks/payment", content=body, headers=headers)).status_code == 401
    body, headers, _ = payment_event(payment["id"], "paid", "settlement", signed_at=time.time() - 600)
    stale = await client.post("/webhooks/payment", content=body, headers=headers)
    assert stale.status_code == 401
    assert stale.json()["type"].endswith("/invalid-signature")
    missing = await client.post(
        "/webhooks/payment", content=body, headers={"Content-Type": "application/json"}
    )
    assert missing.status_code == 401
    tampered_body, headers, _ = payment_event(payment["id"], "paid", "settlement")
    tampered = tampered_body.replace(b"1500000.00", b"1.00")
    assert (await client.post("/webhooks/payment", content=tampered, headers=headers)).status_code == 401
    assert (await get(client, buyer, f"/payments/{payment['id']}"))["status"] == "PENDING"
    assert (
        await sql(
            app, "SELECT 1 FROM audit_log WHERE entity_id = :id AND to_status = 'PAID'", id=payment["id"]
        )
        == []
    )


async def test_paid_completes_the_order_with_its_documents_and_replays_change_nothing(
    client: httpx.AsyncClient, people: People, flights: FakeFlights, app: FastAPI
) -> None:
    buyer = people.make()
    order, payment = await book_and_pay(client, buyer)
    assert await deliver(client, payment["id"], "paid", "settlement") == "applied"
    assert (await get(client, buyer, f"/payments/{payment['id']}"))["status"] == "PAID"
    tx = await get(client, buyer, f"/transactions/{order['transaction_id']}")
    assert tx["status"] == "COMPLETED"
    assert tx["payment_method"] == "bank_transfer"
    assert tx["payment_gateway"] == "midtrans"
    assert tx["completed_at"]
    assert (await get(client, buyer, f"/orders/{order['id']}"))["status"] == "PAID"
    assert await deliver(client, payment["id"], "paid", "settlement") == "duplicate"
    await run_jobs(app)
    done = await get(client, buyer, f"/orders/{order['id']}")
    assert done["status"] == "COMPLETED"
    assert done["booking"]["documents"][0]["reference"].startswith("975-")
    assert done["booking"]["documents"][0]["kind"] == "e-ticket"
    assert done["booking"]["status"] == "issued"
    assert flights.calls.count("issue") == 1
    topics = {
        row[0]
        for row in await sql(app, "SELECT topic FROM outbox WHERE payload->>'order_id' = :o", o=order["id"])
    }
    assert {"transaction.created", "payment.confirmed"} <= topics
    # A late "pending" or "expire" for a paid payment is stale.
    assert await deliver(client, payment["id"], "pending", "pending") == "stale"
    assert await deliver(client, payment["id"], "expired", "expire") == "stale"
    assert (await get(client, buyer, f"/orders/{order['id']}"))["status"] == "COMPLETED"


async def test_fifty_concurrent_duplicates_out_of_order_change_state_once(
    client: httpx.AsyncClient, people: People, app: FastAPI
) -> None:
    buyer = people.make()
    order, payment = await book_and_pay(client, buyer)
    kinds = [("pending", "pending")] * 15 + [("paid", "settlement")] * 20 + [("expired", "expire")] * 15
    random.Random(4).shuffle(kinds)
    # "settlement" must win however the deliveries interleave, so expire goes after the first paid.
    events = [payment_event(payment["id"], s, ts) for s, ts in kinds]
    paid_first = [e for e, k in zip(events, kinds, strict=True) if k[0] == "paid"][:1]
    await asyncio.gather(*(client.post("/webhooks/payment", content=b, headers=h) for b, h, _ in paid_first))
    responses = await asyncio.gather(
        *(client.post("/webhooks/payment", content=b, headers=h) for b, h, _ in events)
    )
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
    changes = await sql(
        app,
        "SELECT entity_type, from_status, to_status FROM audit_log WHERE actor LIKE 'event:%'"
        " AND entity_id IN (:o, :t, :p) ORDER BY id",
        o=order["id"],
        t=order["transaction_id"],
        p=payment["id"],
    )
    assert changes == [
        ("payment", "PENDING", "PAID"),
        ("transaction", "PROCESSING", "COMPLETED"),
        ("order", "CONFIRMED", "PAID"),
    ]
    jobs = await sql(app, "SELECT topic FROM work_queue WHERE payload->>'order_id' = :o", o=order["id"])
    assert jobs == [("booking.issue",)]
    event_ids = list({e[2] for e in events})
    assert len(event_ids) == 3  # pending, settlement, expire
    recorded = await sql(
        app, "SELECT event_id FROM processed_events WHERE event_id::text = ANY(:ids)", ids=event_ids
    )
    assert len(recorded) == 3
    assert (await get(client, buyer, f"/orders/{order['id']}"))["status"] == "PAID"


async def test_fifty_concurrent_copies_of_one_paid_event(
    client: httpx.AsyncClient, people: People, app: FastAPI
) -> None:
    buyer = people.make()
    order, payment = await book_and_pay(client, buyer)
    body, headers, _ = payment_event(payment["id"], "paid", "settlement")
    responses = await asyncio.gather(
        *(client.post("/webhooks/payment", content=body, headers=headers) for _ in range(50))
    )
    outcomes = sorted(r.json()["outcome"] for r in responses)
    assert outcomes == ["applied"] + ["duplicate"] * 49
    jobs = await sql(app, "SELECT topic FROM work_queue WHERE payload->>'order_id' = :o", o=order["id"])
    assert jobs == [("booking.issue",)]


async def test_issue_refused_for_good_refunds_in_full(
    client: httpx.AsyncClient, people: People, flights: FakeFlights, payments: FakePayments, app: FastAPI
) -> None:
    buyer = people.make()
    order, payment = await book_and_pay(client, buyer)
    payments.settle(payment["id"])
    await deliver(client, payment["id"], "paid", "settlement")
    flights.issue_problem = problem(409, "hold-expired")
    await run_jobs(app)
    cancelled = await get(client, buyer, f"/orders/{order['id']}")
    assert cancelled["status"] == "CANCELLED"
    assert "hold-expired" in cancelled["failure_reason"]
    tx = await get(client, buyer, f"/transactions/{order['transaction_id']}")
    assert tx["status"] == "REFUNDED"
    assert tx["refunded_amount"] == "1500000.00"
    assert (await get(client, buyer, f"/payments/{payment['id']}"))["status"] == "REFUNDED"
    refunds = await sql(
        app, "SELECT amount, status, processed_by FROM refunds WHERE payment_id = :p", p=payment["id"]
    )
    assert refunds == [(Decimal("1500000.00"), "SUCCEEDED", "system")]
    assert payments.calls.count("refund") == 1
    # Refunded in full: the hold (never issued) is released at the provider.
    assert flights.bookings[order["booking_reference"]]["status"] == "cancelled"
    assert (await get(client, buyer, f"/orders/{order['id']}"))["booking"]["status"] == "cancelled"
    # The refund event payment-service then sends changes nothing more.
    outcome = await deliver(client, payment["id"], "refunded", "refund", refunded_amount="1500000.00")
    assert outcome == "stale"


async def test_a_transient_issue_failure_is_retried(
    client: httpx.AsyncClient, people: People, flights: FakeFlights, app: FastAPI
) -> None:
    buyer = people.make()
    order, payment = await book_and_pay(client, buyer)
    await deliver(client, payment["id"], "paid", "settlement")
    flights.issue_problem = problem(503, "supplier-unavailable")
    await run_jobs(app, rounds=1)
    assert (await get(client, buyer, f"/orders/{order['id']}"))["status"] == "PAID"
    rows = await sql(
        app, "SELECT attempts, delivered_at FROM work_queue WHERE payload->>'order_id' = :o", o=order["id"]
    )
    assert rows[0][0] == 1
    assert rows[0][1] is None
    flights.issue_problem = None
    await sql(app, "UPDATE work_queue SET next_attempt_at = now()")
    await run_jobs(app)
    assert (await get(client, buyer, f"/orders/{order['id']}"))["status"] == "COMPLETED"


async def test_deny_expire_and_cancel_end_the_order_and_release_the_hold(
    client: httpx.AsyncClient, people: People, flights: FakeFlights, app: FastAPI
) -> None:
    buyer = people.make()
    expected = {"failed": ("deny", "FAILED", "FAILED"), "expired": ("expire", "FAILED", "EXPIRED")}
    expected["cancelled"] = ("cancel", "CANCELLED", "CANCELLED")
    for status, (midtrans, tx_status, payment_status) in expected.items():
        order, payment = await book_and_pay(client, buyer)
        assert await deliver(client, payment["id"], status, midtrans) == "applied"
        assert (await get(client, buyer, f"/payments/{payment['id']}"))["status"] == payment_status
        assert (await get(client, buyer, f"/transactions/{order['transaction_id']}"))["status"] == tx_status
        ended = await get(client, buyer, f"/orders/{order['id']}")
        assert ended["status"] == "CANCELLED"
        assert ended["failure_reason"] == f"payment {payment_status.lower()}"
        await run_jobs(app)
        assert flights.bookings[ended["booking_reference"]]["status"] == "cancelled"
        assert (await get(client, buyer, f"/orders/{order['id']}"))["booking"]["status"] == "cancelled"
        failed = await sql(
            app,
            "SELECT 1 FROM outbox WHERE topic = 'transaction.failed' AND payload->>'order_id' = :o",
            o=order["id"],
        )
        assert len(failed) == 1


async def test_paid_after_the_order_was_cancelled_is_recorded_and_refunded(
    client: httpx.AsyncClient, people: People, payments: FakePayments, app: FastAPI
) -> None:
    buyer = people.make()
    order, payment = await book_and_pay(client, buyer)
    await deliver(client, payment["id"], "expired", "expire")
    payments.charges[payment["id"]].update(status="paid", transaction_status="settlement")
    assert await deliver(client, payment["id"], "paid", "settlement") == "applied"
    assert (await get(client, buyer, f"/payments/{payment['id']}"))["status"] == "PAID"
    await run_jobs(app)
    assert (await get(client, buyer, f"/payments/{payment['id']}"))["status"] == "REFUNDED"
    tx = await get(client, buyer, f"/transactions/{order['transaction_id']}")
    assert tx["status"] == "REFUNDED"
    assert tx["refunded_amount"] == "1500000.00"
    ended = await get(client, buyer, f"/orders/{order['id']}")
    assert ended["status"] == "CANCELLED"
    assert "paid after the order was cancelled" in ended["failure_reason"]


async def test_an_amount_mismatch_or_unknown_payment_is_acknowledged_and_ignored(
    client: httpx.AsyncClient, people: People
) -> None:
    buyer = people.make()
    order, payment = await book_and_pay(client, buyer)
    assert await deliver(client, payment["id"], "paid", "settlement", gross_amount="1.00") == "ignored"
    assert await deliver(client, "0c8f3f0e-0000-4000-8000-000000000000", "paid", "settlement") == "ignored"
    assert await deliver(client, "not-a-uuid", "paid", "settlement") == "ignored"
    assert (await get(client, buyer, f"/orders/{order['id']}"))["status"] == "CONFIRMED"


async def test_admin_confirm_applies_the_gateways_status(
    client: httpx.AsyncClient, people: People, payments: FakePayments, app: FastAPI
) -> None:
    buyer, admin = people.make(), people.make("admin")
    order, payment = await book_and_pay(client, buyer)
    path = f"/payments/{payment['id']}/confirm"
    assert (await client.post(path, headers=buyer.headers)).status_code == 403
    unchanged = await client.post(path, headers=admin.headers)
    assert unchanged.json()["status"] == "PENDING"
    payments.settle(payment["id"])
    confirmed = await client.post(path, headers=admin.headers)
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "PAID"
    assert (await get(client, buyer, f"/orders/{order['id']}"))["status"] == "PAID"
    actors = await sql(
        app,
        "SELECT actor FROM audit_log WHERE to_status = 'PAID' AND entity_id IN (:o, :p)",
        o=order["id"],
        p=payment["id"],
    )
    assert actors == [(admin.id,), (admin.id,)]


async def test_an_expired_charge_is_replaced_and_its_late_expiry_ends_only_itself(
    client: httpx.AsyncClient, people: People, payments: FakePayments, app: FastAPI
) -> None:
    buyer = people.make()
    order, first = await book_and_pay(client, buyer)
    await sql(
        app, "UPDATE payments SET expires_at = now() - interval '1 second' WHERE id = :id", id=first["id"]
    )
    second = await pay(client, buyer, order["transaction_id"])
    assert second["id"] != first["id"]
    assert payments.calls.count("charge") == 2
    assert await deliver(client, first["id"], "expired", "expire") == "applied"
    assert (await get(client, buyer, f"/payments/{first['id']}"))["status"] == "EXPIRED"
    assert (await get(client, buyer, f"/orders/{order['id']}"))["status"] == "CONFIRMED"
    assert await deliver(client, second["id"], "paid", "settlement") == "applied"
    assert (await get(client, buyer, f"/orders/{order['id']}"))["status"] == "PAID"


async def test_paid_twice_refunds_the_second_payment_and_keeps_the_sale(
    client: httpx.AsyncClient, people: People, payments: FakePayments, app: FastAPI
) -> None:
    buyer = people.make()
    order, first = await book_and_pay(client, buyer)
    await sql(
        app, "UPDATE payments SET expires_at = now() - interval '1 second' WHERE id = :id", id=first["id"]
    )
    second = await pay(client, buyer, order["transaction_id"])
    payments.settle(second["id"])
    payments.settle(first["id"])
    assert await deliver(client, second["id"], "paid", "settlement") == "applied"
    assert await deliver(client, first["id"], "paid", "settlement") == "applied"
    await run_jobs(app)
    assert (await get(client, buyer, f"/payments/{first['id']}"))["status"] == "REFUNDED"
    assert (await get(client, buyer, f"/payments/{second['id']}"))["status"] == "PAID"
    tx = await get(client, buyer, f"/transactions/{order['transaction_id']}")
    assert (tx["status"], tx["refunded_amount"]) == ("COMPLETED", "0.00")
    completed = await get(client, buyer, f"/orders/{order['id']}")
    assert (completed["status"], completed["failure_reason"]) == ("COMPLETED", None)
    refunds = await sql(app, "SELECT reason FROM refunds WHERE payment_id = :p", p=first["id"])
    assert refunds == [("paid twice; the extra payment is refunded in full",)]
