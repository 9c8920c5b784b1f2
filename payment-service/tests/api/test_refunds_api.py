"""POST /internal/charges/{order_id}/refunds: Midtrans refunds, once per Idempotency-Key."""

from __future__ import annotations

import json
import uuid

import respx
from fastapi import FastAPI

from testkit.asgi import running_app
from tests.api.support import create_charge, events_for, mock_status, pay
from tests.conftest import INTERNAL
from tests.midtrans_payloads import CORE, cannot_modify, refund_body, status_body


def headers(key: str) -> dict[str, str]:
    return {**INTERNAL, "Idempotency-Key": key}


async def test_a_full_refund_refunds_the_charge_and_replays_by_key(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    key = f"refund-{uuid.uuid4()}"
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        await pay(client, midtrans, order_id)
        route = midtrans.post(f"{CORE}/v2/{order_id}/refund").respond(
            200, json=refund_body(order_id, key, "150000.00", transaction_status="refund")
        )
        body = {"amount": "150000.00", "reason": "flight cancelled by airline"}
        refunded = await client.post(f"/internal/charges/{order_id}/refunds", json=body, headers=headers(key))
        replay = await client.post(f"/internal/charges/{order_id}/refunds", json=body, headers=headers(key))
        other = await client.post(
            f"/internal/charges/{order_id}/refunds", json={**body, "amount": "1000.00"}, headers=headers(key)
        )
        charge = (await client.get(f"/internal/charges/{order_id}", headers=INTERNAL)).json()
    assert refunded.status_code == replay.status_code == 201, refunded.text
    assert refunded.json() == {
        "refund_key": key,
        "order_id": order_id,
        "amount": "150000.00",
        "reason": "flight cancelled by airline",
        "status": "succeeded",
        "transaction_status": "refund",
        "refunded_amount": "150000.00",
        "created_at": refunded.json()["created_at"],
    }
    assert replay.json() == refunded.json()
    assert route.call_count == 1
    assert json.loads(route.calls.last.request.content) == {
        "refund_key": key,
        "amount": 150000,
        "reason": "flight cancelled by airline",
    }
    assert other.status_code == 422
    assert other.json()["type"].endswith("/idempotency-key-reused")
    assert charge["status"] == "refunded"
    assert charge["refunded_amount"] == "150000.00"
    events = await events_for(migrated_database_url, order_id)
    assert [(e["payload"]["status"], e["payload"]["refunded_amount"]) for e in events] == [
        ("paid", "0.00"),
        ("refunded", "150000.00"),
    ]


async def test_partial_refunds_add_up(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        await pay(client, midtrans, order_id)
        midtrans.post(f"{CORE}/v2/{order_id}/refund").respond(
            200, json=refund_body(order_id, "k", "50000.00", transaction_status="partial_refund")
        )
        first = await client.post(
            f"/internal/charges/{order_id}/refunds",
            json={"amount": "50000.00", "reason": "one passenger"},
            headers=headers(f"p1-{order_id}"),
        )
        charge = (await client.get(f"/internal/charges/{order_id}", headers=INTERNAL)).json()
        too_much = await client.post(
            f"/internal/charges/{order_id}/refunds",
            json={"amount": "100001.00", "reason": "more"},
            headers=headers(f"p2-{order_id}"),
        )
        rest = await client.post(
            f"/internal/charges/{order_id}/refunds",
            json={"amount": "100000.00", "reason": "the rest"},
            headers=headers(f"p3-{order_id}"),
        )
    assert first.json()["transaction_status"] == "partial_refund"
    assert charge["status"] == "partially_refunded"
    assert charge["refunded_amount"] == "50000.00"
    assert too_much.status_code == 422
    assert too_much.json()["type"].endswith("/invalid-refund-amount")
    assert rest.status_code == 201
    assert rest.json()["transaction_status"] == "refund"
    assert rest.json()["refunded_amount"] == "150000.00"
    statuses = [e["payload"]["status"] for e in await events_for(migrated_database_url, order_id)]
    assert statuses == ["paid", "partially_refunded", "refunded"]


async def test_midtrans_refusals_map_to_409_and_422(app: FastAPI, midtrans: respx.MockRouter) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        route = midtrans.post(f"{CORE}/v2/{order_id}/refund")
        route.respond(200, json=cannot_modify())
        not_settled = await client.post(
            f"/internal/charges/{order_id}/refunds",
            json={"amount": "1000.00", "reason": "x"},
            headers=headers(f"a-{order_id}"),
        )
        route.respond(200, json={"status_code": "414", "status_message": "Refund amount exceeds"})
        bad_amount = await client.post(
            f"/internal/charges/{order_id}/refunds",
            json={"amount": "1000.00", "reason": "x"},
            headers=headers(f"b-{order_id}"),
        )
        fraction = await client.post(
            f"/internal/charges/{order_id}/refunds",
            json={"amount": "10.50", "reason": "x"},
            headers=headers(f"c-{order_id}"),
        )
        unknown = await client.post(
            "/internal/charges/nope/refunds", json={"amount": "1.00", "reason": "x"}, headers=headers("d")
        )
    assert not_settled.status_code == 409
    assert not_settled.json()["type"].endswith("/refund-not-allowed")
    assert bad_amount.status_code == 422
    assert bad_amount.json()["type"].endswith("/invalid-refund-amount")
    assert fraction.status_code == 422
    assert unknown.status_code == 404


async def test_a_refund_midtrans_already_made_under_the_key_is_recovered(
    app: FastAPI, midtrans: respx.MockRouter
) -> None:
    """We crashed after Midtrans refunded: the retry gets 406 (duplicate refund_key) and the
    refund is read back from the status's refunds[]."""
    key = f"refund-{uuid.uuid4()}"
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        await pay(client, midtrans, order_id)
        midtrans.post(f"{CORE}/v2/{order_id}/refund").respond(
            200, json={"status_code": "406", "status_message": "Duplicate refund key"}
        )
        mock_status(midtrans, order_id, status_body(order_id, "partial_refund", refunds=[(key, "40000.00")]))
        recovered = await client.post(
            f"/internal/charges/{order_id}/refunds",
            json={"amount": "40000.00", "reason": "customer request"},
            headers=headers(key),
        )
    assert recovered.status_code == 201, recovered.text
    assert recovered.json()["refunded_amount"] == "40000.00"
    assert recovered.json()["transaction_status"] == "partial_refund"


async def test_a_refund_key_refunds_one_charge_only(app: FastAPI, midtrans: respx.MockRouter) -> None:
    key = f"refund-{uuid.uuid4()}"
    body = {"amount": "10000.00", "reason": "schedule change"}
    async with running_app(app) as client:
        first_order = (await create_charge(client, midtrans))["order_id"]
        second_order = (await create_charge(client, midtrans))["order_id"]
        await pay(client, midtrans, first_order)
        midtrans.post(f"{CORE}/v2/{first_order}/refund").respond(
            200, json=refund_body(first_order, key, "10000.00", transaction_status="partial_refund")
        )
        refunded = await client.post(
            f"/internal/charges/{first_order}/refunds", json=body, headers=headers(key)
        )
        elsewhere = await client.post(
            f"/internal/charges/{second_order}/refunds", json=body, headers=headers(key)
        )
    assert refunded.status_code == 201
    assert elsewhere.status_code == 422
    assert elsewhere.json()["type"].endswith("/idempotency-key-reused")


async def test_a_refusal_is_replayed_under_its_key(app: FastAPI, midtrans: respx.MockRouter) -> None:
    key = f"refund-{uuid.uuid4()}"
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        route = midtrans.post(f"{CORE}/v2/{order_id}/refund").respond(200, json=cannot_modify())
        answers = [
            await client.post(
                f"/internal/charges/{order_id}/refunds",
                json={"amount": "1000", "reason": "x"},
                headers=headers(key),
            )
            for _ in range(2)
        ]
    assert [a.status_code for a in answers] == [409, 409]
    assert all(a.json()["type"].endswith("/refund-not-allowed") for a in answers)
    assert route.call_count == 1
