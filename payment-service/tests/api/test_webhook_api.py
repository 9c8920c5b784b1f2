"""POST /webhooks/midtrans: verify, confirm with Midtrans, check the amount, apply once."""

from __future__ import annotations

import asyncio
import json

import httpx
import respx
from fastapi import FastAPI

from testkit.asgi import running_app
from tests.api.support import (
    charge_row,
    create_charge,
    events_for,
    mock_status,
    notifications_for,
    notify,
)
from tests.conftest import INTERNAL
from tests.midtrans_payloads import CORE, not_found, notification, status_body


async def test_a_settlement_notification_pays_the_charge_and_writes_one_event(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        status = mock_status(midtrans, order_id, status_body(order_id, "settlement", payment_type="gopay"))
        response = await notify(client, notification(order_id, "settlement", payment_type="gopay"))
        charge = (await client.get(f"/internal/charges/{order_id}", headers=INTERNAL)).json()
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert status.call_count == 1  # the notification alone is never trusted
    assert charge["status"] == "paid"
    assert charge["transaction_status"] == "settlement"
    assert charge["payment_type"] == "gopay"
    events = await events_for(migrated_database_url, order_id)
    assert len(events) == 1
    data = events[0]["payload"]
    assert data == {
        "order_id": order_id,
        "gateway": "midtrans",
        "gateway_transaction_id": charge["gateway_transaction_id"],
        "status": "paid",
        "transaction_status": "settlement",
        "fraud_status": "accept",
        "status_code": "200",
        "payment_type": "gopay",
        "gross_amount": "150000.00",
        "currency": "IDR",
        "settlement_time": "2026-11-27T02:16:40+00:00",  # 09:16:40 Jakarta time
        "refunded_amount": "0.00",
        "observed_at": data["observed_at"],
    }
    stored = await notifications_for(migrated_database_url, order_id)
    assert [n["verdict"] for n in stored] == ["accepted"]
    assert (
        json.loads(stored[0]["raw_body"])["signature_key"]
        == notification(order_id, "settlement")["signature_key"]
    )


async def test_fifty_identical_notifications_at_once_make_one_event(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        mock_status(midtrans, order_id, status_body(order_id, "settlement"))
        body = notification(order_id, "settlement")
        answers = await asyncio.gather(*(notify(client, body) for _ in range(50)))
    assert [a.status_code for a in answers] == [200] * 50
    events = await events_for(migrated_database_url, order_id)
    assert len(events) == 1
    assert (await charge_row(migrated_database_url, order_id))["status"] == "paid"
    assert len(await notifications_for(migrated_database_url, order_id)) == 50  # every body is kept


async def test_a_pending_after_settlement_changes_nothing(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        mock_status(midtrans, order_id, status_body(order_id, "settlement"))
        assert (await notify(client, notification(order_id, "settlement"))).status_code == 200
        # Out of order: the pending notification (and a lagging status answer) arrive late.
        mock_status(midtrans, order_id, status_body(order_id, "pending"))
        late = await notify(client, notification(order_id, "pending"))
        charge = (await client.get(f"/internal/charges/{order_id}", headers=INTERNAL)).json()
    assert late.status_code == 200
    assert charge["status"] == "paid"
    assert charge["transaction_status"] == "settlement"
    events = await events_for(migrated_database_url, order_id)
    assert [e["payload"]["status"] for e in events] == ["paid"]


async def test_pending_then_settlement_announces_both(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    """A pending report for a pending charge changes no status, but tells where to pay: the
    virtual account is announced once however often it is repeated; settlement then is news."""
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        mock_status(midtrans, order_id, status_body(order_id, "pending"))
        for _ in range(3):
            assert (await notify(client, notification(order_id, "pending"))).status_code == 200
        charge = (await client.get(f"/internal/charges/{order_id}", headers=INTERNAL)).json()
        mock_status(midtrans, order_id, status_body(order_id, "settlement"))
        assert (await notify(client, notification(order_id, "settlement"))).status_code == 200
    assert charge["status"] == "pending"
    assert charge["payment_type"] == "bank_transfer"  # learnt from the pending report
    events = await events_for(migrated_database_url, order_id)
    assert [e["payload"]["status"] for e in events] == ["pending", "paid"]
    assert events[0]["payload"]["payment_instructions"] == {
        "method": "bank_transfer",
        "bank": "bca",
        "va_number": "12345678901",
        "expires_at": "2026-11-28T02:15:02+00:00",
    }
    assert "payment_instructions" not in events[1]["payload"]


async def test_a_settlement_that_comes_first_announces_no_instructions(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    """Paid before the pending notification was handled: there is nothing left to pay."""
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        mock_status(midtrans, order_id, status_body(order_id, "settlement"))
        assert (await notify(client, notification(order_id, "pending"))).status_code == 200
        assert (await notify(client, notification(order_id, "settlement"))).status_code == 200
    events = await events_for(migrated_database_url, order_id)
    assert [e["payload"]["status"] for e in events] == ["paid"]
    assert "payment_instructions" not in events[0]["payload"]


async def test_a_forged_notification_is_401_and_changes_nothing(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        status = mock_status(midtrans, order_id, status_body(order_id, "settlement"))
        forged = {**notification(order_id, "settlement"), "signature_key": "0" * 128}
        response = await notify(client, forged)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("/invalid-signature")
    assert status.call_count == 0
    assert (await charge_row(migrated_database_url, order_id))["status"] == "pending"
    assert await events_for(migrated_database_url, order_id) == []
    assert [n["verdict"] for n in await notifications_for(migrated_database_url, order_id)] == ["forged"]


async def test_a_notification_for_an_unknown_order_is_404(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        response = await notify(client, notification("nobody-ordered-this", "settlement"))
    assert response.status_code == 404
    assert response.json()["type"].endswith("/unknown-order")
    stored = await notifications_for(migrated_database_url, "nobody-ordered-this")
    assert stored[-1]["verdict"] == "unknown-order"


async def test_an_amount_mismatch_is_422_and_changes_nothing(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        # Correctly signed by Midtrans, but for another amount than we charged.
        mock_status(midtrans, order_id, status_body(order_id, "settlement", gross="1500.00"))
        response = await notify(client, notification(order_id, "settlement", gross="1500.00"))
        # The notification matches the charge, but Midtrans's status does not.
        mock_status(midtrans, order_id, status_body(order_id, "settlement", gross="150001.00"))
        response_2 = await notify(client, notification(order_id, "settlement"))
    assert response.status_code == response_2.status_code == 422
    assert response.json()["type"].endswith("/amount-mismatch")
    assert (await charge_row(migrated_database_url, order_id))["status"] == "pending"
    assert await events_for(migrated_database_url, order_id) == []
    verdicts = [n["verdict"] for n in await notifications_for(migrated_database_url, order_id)]
    assert verdicts == ["amount-mismatch", "amount-mismatch"]


async def test_bodies_that_are_not_notifications_are_400_and_stored(
    app: FastAPI, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        garbage = await notify(client, b"<html>not json</html>")
        array = await notify(client, b"[1, 2]")
        missing = await notify(client, {"order_id": "half-a-notification", "status_code": "200"})
    assert garbage.status_code == array.status_code == missing.status_code == 400
    assert missing.json()["type"].endswith("/invalid-notification")
    assert "signature_key" in missing.json()["detail"]
    stored = await notifications_for(migrated_database_url, "half-a-notification")
    assert [n["verdict"] for n in stored] == ["invalid"]


async def test_midtrans_unreachable_during_the_status_check_is_503(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        midtrans.get(f"{CORE}/v2/{order_id}/status").mock(side_effect=httpx.ConnectError("down"))
        response = await notify(client, notification(order_id, "settlement"))
        midtrans.get(f"{CORE}/v2/{order_id}/status").respond(200, json=not_found())
        unknown = await notify(client, notification(order_id, "settlement"))
    assert response.status_code == 503
    assert unknown.status_code == 404
    assert (await charge_row(migrated_database_url, order_id))["status"] == "pending"
    assert await events_for(migrated_database_url, order_id) == []


async def test_the_webhook_is_in_the_openapi_schema_with_an_example(app: FastAPI) -> None:
    operation = app.openapi()["paths"]["/webhooks/midtrans"]["post"]
    example = operation["requestBody"]["content"]["application/json"]["example"]
    assert example["transaction_status"] == "settlement"
    assert {"200", "401", "404", "422", "503"} <= set(operation["responses"])
