"""The internal charge contract in-process (running_app, real PostgreSQL), Midtrans by respx."""

from __future__ import annotations

import asyncio
import base64
import json

import httpx
import respx
from fastapi import FastAPI
from sqlalchemy import select

from adapters.tables import idempotency_keys
from testkit.asgi import running_app
from tests.api.support import (
    charge_body,
    charge_row,
    create_charge,
    events_for,
    mock_snap,
    mock_status,
    new_order_id,
    table_rows,
)
from tests.conftest import INTERNAL
from tests.midtrans_payloads import CORE, SERVER_KEY, SNAP, cannot_modify, not_found, status_body


def headers(key: str) -> dict[str, str]:
    return {**INTERNAL, "Idempotency-Key": key}


async def test_create_charge_asks_snap_and_returns_the_token(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    order_id = new_order_id()
    snap = mock_snap(midtrans, token="tok-123")
    async with running_app(app) as client:
        response = await client.post(
            "/internal/charges", json=charge_body(order_id), headers=headers("k1-" + order_id)
        )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body == {
        **body,
        "order_id": order_id,
        "gateway": "midtrans",
        "status": "pending",
        "transaction_status": None,
        "token": "tok-123",
        "redirect_url": "https://app.midtrans.test/snap/v2/vtweb/tok-123",
        "gross_amount": "150000.00",
        "currency": "IDR",
        "payment_type": None,
        "gateway_transaction_id": None,
        "refunded_amount": "0.00",
    }
    sent = snap.calls.last.request
    assert sent.headers["Authorization"] == "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()
    assert sent.headers["X-Override-Notification"] == "https://gateway.test/webhooks/midtrans"
    assert json.loads(sent.content) == {
        "transaction_details": {"order_id": order_id, "gross_amount": 150000},
        "item_details": [
            {"id": "FL-CGK-DPS", "price": 100000, "quantity": 1, "name": "Garuda GA404 CGK-DPS"},
            {"id": "FEE", "price": 25000, "quantity": 2, "name": "Service fee"},
        ],
        "customer_details": {
            "first_name": "Budi",
            "last_name": "Santoso",
            "email": "budi@example.co.id",
            "phone": "+6281234567890",
        },
        "expiry": {"unit": "minute", "duration": 60},
    }
    row = await charge_row(migrated_database_url, order_id)
    # What we sent, less the customer once Snap has it, and no secret in it.
    expected = {k: v for k, v in json.loads(sent.content).items() if k != "customer_details"}
    assert row["request"] == {**expected, "customer_dropped": True}
    for value in (SERVER_KEY, "Budi", "Santoso", "budi@example.co.id", "+6281234567890"):
        assert value not in json.dumps(row["request"])


async def test_same_key_and_body_replays_without_a_second_snap_call(
    app: FastAPI, midtrans: respx.MockRouter
) -> None:
    order_id = new_order_id()
    snap = mock_snap(midtrans)
    async with running_app(app) as client:
        first = await client.post("/internal/charges", json=charge_body(order_id), headers=headers(order_id))
        again = await client.post("/internal/charges", json=charge_body(order_id), headers=headers(order_id))
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert snap.call_count == 1


async def test_same_key_with_another_body_is_422(app: FastAPI, midtrans: respx.MockRouter) -> None:
    order_id = new_order_id()
    mock_snap(midtrans)
    async with running_app(app) as client:
        await client.post("/internal/charges", json=charge_body(order_id), headers=headers(order_id))
        other = await client.post(
            "/internal/charges", json=charge_body(order_id, expiry_minutes=30), headers=headers(order_id)
        )
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")


async def test_an_order_id_with_a_charge_under_another_key_is_409(
    app: FastAPI, midtrans: respx.MockRouter
) -> None:
    order_id = new_order_id()
    mock_snap(midtrans)
    async with running_app(app) as client:
        await client.post("/internal/charges", json=charge_body(order_id), headers=headers("a-" + order_id))
        other = await client.post(
            "/internal/charges", json=charge_body(order_id), headers=headers("b-" + order_id)
        )
    assert other.status_code == 409
    assert other.json()["type"].endswith("/charge-exists")


async def test_items_that_do_not_sum_to_the_gross_amount_are_refused(
    app: FastAPI, midtrans: respx.MockRouter
) -> None:
    order_id = new_order_id()
    async with running_app(app) as client:
        response = await client.post(
            "/internal/charges",
            json=charge_body(order_id, gross_amount="160000.00"),
            headers=headers(order_id),
        )
        fraction = await client.post(
            "/internal/charges",
            json=charge_body(order_id, gross_amount="150000.50"),
            headers=headers(order_id),
        )
    assert response.status_code == 422
    assert response.json()["type"].endswith("/invalid-charge")
    assert "sum to 150000.00" in response.json()["detail"]
    assert fraction.status_code == 422


async def test_internal_routes_hide_without_the_token(app: FastAPI) -> None:
    async with running_app(app) as client:
        response = await client.get("/internal/charges/anything")
        wrong = await client.get("/internal/charges/anything", headers={"X-Internal-Token": "nope"})
    assert response.status_code == wrong.status_code == 404
    assert "/internal/charges" not in json.dumps(app.openapi())


async def test_midtrans_errors_become_502_503_504_and_the_key_can_be_retried(
    app: FastAPI, midtrans: respx.MockRouter
) -> None:
    order_id = new_order_id()
    route = midtrans.post(f"{SNAP}/transactions")
    route.side_effect = [
        httpx.Response(401, json={"error_messages": ["Access denied due to unauthorized transaction"]}),
        httpx.Response(503, text="<html>Service Unavailable</html>"),
        httpx.ConnectTimeout("timed out"),
        httpx.Response(201, json={"token": "tok-ok", "redirect_url": "https://x.test/vtweb/tok-ok"}),
    ]
    async with running_app(app) as client:
        answers = [
            await client.post("/internal/charges", json=charge_body(order_id), headers=headers(order_id))
            for _ in range(4)
        ]
    assert [a.status_code for a in answers] == [502, 503, 504, 201]
    assert answers[0].json()["type"].endswith("/gateway-rejected")
    assert "unauthorized" in answers[0].json()["detail"]
    assert answers[1].json()["type"].endswith("/gateway-unavailable")
    assert answers[2].json()["type"].endswith("/gateway-timeout")
    assert answers[3].json()["token"] == "tok-ok"


async def test_snap_406_for_an_order_id_midtrans_knows_syncs_and_reports_409(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    """A crash after Snap answered lost the token: Midtrans refuses the order_id again (406)."""
    order_id = new_order_id()
    midtrans.post(f"{SNAP}/transactions").respond(
        406, json={"error_messages": ["transaction_details.order_id sudah digunakan"]}
    )
    mock_status(midtrans, order_id, status_body(order_id, "settlement"))
    async with running_app(app) as client:
        response = await client.post(
            "/internal/charges", json=charge_body(order_id), headers=headers(order_id)
        )
        charge = await client.get(f"/internal/charges/{order_id}", headers=INTERNAL)
    assert response.status_code == 409
    assert response.json()["type"].endswith("/charge-exists")
    assert charge.json()["status"] == "paid"  # the payment already made is not lost
    assert [e["payload"]["status"] for e in await events_for(migrated_database_url, order_id)] == ["paid"]


async def test_get_charge_and_unknown_order(app: FastAPI, midtrans: respx.MockRouter) -> None:
    async with running_app(app) as client:
        created = await create_charge(client, midtrans)
        read = await client.get(f"/internal/charges/{created['order_id']}", headers=INTERNAL)
        missing = await client.get("/internal/charges/nope-123", headers=INTERNAL)
    assert read.json() == created
    assert missing.status_code == 404
    assert missing.json()["type"].endswith("/charge-not-found")


async def test_sync_before_the_payer_chose_a_method_changes_nothing(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        created = await create_charge(client, midtrans)
        order_id = created["order_id"]
        mock_status(midtrans, order_id, not_found())
        synced = await client.post(f"/internal/charges/{order_id}/sync", headers=INTERNAL)
    assert synced.status_code == 200
    assert synced.json()["status"] == "pending"
    assert await events_for(migrated_database_url, order_id) == []


async def test_sync_applies_the_status_once(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        created = await create_charge(client, midtrans)
        order_id = created["order_id"]
        mock_status(midtrans, order_id, status_body(order_id, "settlement", payment_type="qris"))
        synced = await client.post(f"/internal/charges/{order_id}/sync", headers=INTERNAL)
        again = await client.post(f"/internal/charges/{order_id}/sync", headers=INTERNAL)
    assert synced.json()["status"] == again.json()["status"] == "paid"
    assert synced.json()["payment_type"] == "qris"
    assert synced.json()["transaction_status"] == "settlement"
    events = await events_for(migrated_database_url, order_id)
    assert len(events) == 1
    assert events[0]["topic"] == "payment.status_changed"


async def test_cancel_a_pending_charge_expires_it_at_midtrans(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        expire = midtrans.post(f"{CORE}/v2/{order_id}/expire").respond(
            200,
            json={**status_body(order_id, "expire"), "status_message": "Success, transaction has expired"},
        )
        cancelled = await client.post(f"/internal/charges/{order_id}/cancel", headers=INTERNAL)
        again = await client.post(f"/internal/charges/{order_id}/cancel", headers=INTERNAL)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "expired"
    assert again.json()["status"] == "expired"
    assert expire.call_count == 1
    events = await events_for(migrated_database_url, order_id)
    assert [e["payload"]["status"] for e in events] == ["expired"]


async def test_cancel_of_a_charge_midtrans_never_saw_cancels_it_here(
    app: FastAPI, midtrans: respx.MockRouter
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        midtrans.post(f"{CORE}/v2/{order_id}/expire").respond(404, json=not_found())
        cancelled = await client.post(f"/internal/charges/{order_id}/cancel", headers=INTERNAL)
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"


async def test_cancel_of_a_charge_paid_at_midtrans_is_409_and_announces_the_payment(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        midtrans.post(f"{CORE}/v2/{order_id}/expire").respond(200, json=cannot_modify())
        mock_status(midtrans, order_id, status_body(order_id, "settlement"))
        refused = await client.post(f"/internal/charges/{order_id}/cancel", headers=INTERNAL)
        read = await client.get(f"/internal/charges/{order_id}", headers=INTERNAL)
        refused_again = await client.post(f"/internal/charges/{order_id}/cancel", headers=INTERNAL)
    assert refused.status_code == refused_again.status_code == 409
    assert refused.json()["type"].endswith("/charge-paid")
    assert read.json()["status"] == "paid"
    events = await events_for(migrated_database_url, order_id)
    assert [e["payload"]["status"] for e in events] == ["paid"]


async def test_concurrent_requests_with_one_key_make_one_snap_call(
    app: FastAPI, midtrans: respx.MockRouter
) -> None:
    order_id = new_order_id()
    snap = mock_snap(midtrans)
    async with running_app(app) as client:
        answers = await asyncio.gather(
            *(
                client.post("/internal/charges", json=charge_body(order_id), headers=headers(order_id))
                for _ in range(8)
            )
        )
    assert [a.status_code for a in answers] == [201] * 8, [a.text for a in answers]
    assert len({a.json()["token"] for a in answers}) == 1
    assert snap.call_count == 1


async def test_the_key_is_bound_to_the_body_whatever_its_key_order_or_number_format(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    order_id = new_order_id()
    snap = mock_snap(midtrans)
    body = charge_body(order_id)
    same = {**dict(reversed(list(body.items()))), "gross_amount": 150000}
    same["item_details"] = [
        {**item, "price": item["price"].removesuffix(".00")} for item in body["item_details"]
    ]
    async with running_app(app) as client:
        first = await client.post("/internal/charges", json=body, headers=headers(order_id))
        again = await client.post("/internal/charges", json=same, headers=headers(order_id))
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert snap.call_count == 1
    [row] = await table_rows(
        migrated_database_url,
        select(idempotency_keys).where(idempotency_keys.c.key == order_id),
    )
    assert (row["scope"], row["status_code"]) == ("charges", 201)
    assert row["response"] == first.json()
    assert row["finished_at"] is not None


async def test_a_business_refusal_is_replayed_under_its_key_without_asking_midtrans_again(
    app: FastAPI, midtrans: respx.MockRouter
) -> None:
    """Snap 406 ended in 409 charge-exists: that is the answer for this key from now on."""
    order_id = new_order_id()
    snap = midtrans.post(f"{SNAP}/transactions").respond(
        406, json={"error_messages": ["transaction_details.order_id sudah digunakan"]}
    )
    status = mock_status(midtrans, order_id, status_body(order_id, "pending"))
    async with running_app(app) as client:
        first = await client.post("/internal/charges", json=charge_body(order_id), headers=headers(order_id))
        again = await client.post("/internal/charges", json=charge_body(order_id), headers=headers(order_id))
    assert first.status_code == again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert {k: v for k, v in again.json().items() if k != "request_id"} == {
        k: v for k, v in first.json().items() if k != "request_id"
    }
    assert again.json()["request_id"] == again.headers["x-request-id"] != first.json()["request_id"]
    assert (snap.call_count, status.call_count) == (1, 1)


async def test_a_key_that_charged_one_order_cannot_charge_another(
    app: FastAPI, midtrans: respx.MockRouter
) -> None:
    first_order, second_order = new_order_id(), new_order_id()
    mock_snap(midtrans)
    async with running_app(app) as client:
        await client.post("/internal/charges", json=charge_body(first_order), headers=headers(first_order))
        other = await client.post(
            "/internal/charges", json=charge_body(second_order), headers=headers(first_order)
        )
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
