"""Xendit as a second gateway: charges as invoices, POST /webhooks/xendit (token, confirm with
GET /v2/invoices/{id}, amounts, once), cancel, refunds, and the per-gateway switches."""

from __future__ import annotations

import asyncio
import json

import httpx
import respx
from fastapi import FastAPI

from app import create_app
from config import Settings
from testkit.asgi import running_app
from tests.api.support import (
    charge_body,
    charge_row,
    create_charge,
    events_for,
    new_order_id,
    notifications_for,
)
from tests.api.xendit_support import callback, create_xendit_charge, mock_invoice
from tests.conftest import INTERNAL, make_settings
from tests.xendit_payloads import INVOICE_NOT_FOUND, XENDIT, error, invoice, refund, refund_callback
from tests.xendit_payloads import callback as callback_body


def app_with(database_url: str, **switches: bool) -> FastAPI:
    settings: Settings = make_settings(database_url, **switches)
    return create_app(settings)


async def test_a_xendit_charge_is_an_invoice_whose_page_is_the_redirect_url(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        charge, invoice_id = await create_xendit_charge(client, midtrans)
    sent = json.loads(midtrans.calls.last.request.content)
    assert charge["gateway"] == "xendit"
    assert charge["status"] == "pending"
    assert charge["token"] == invoice_id
    assert charge["gateway_transaction_id"] == invoice_id
    assert charge["redirect_url"] == f"https://checkout-staging.xendit.co/web/{invoice_id}"
    assert sent["external_id"] == charge["order_id"]
    assert sent["amount"] == 150000
    assert sent["invoice_duration"] == 3600
    assert sent["payer_email"] == "budi@example.co.id"
    assert sent["customer"]["given_names"] == "Budi"
    assert sent["success_redirect_url"] == "https://tiketq.test/paid"
    assert [i["price"] for i in sent["items"]] == [100000, 25000]
    assert (await charge_row(migrated_database_url, charge["order_id"]))["gateway"] == "xendit"


async def test_a_paid_callback_is_confirmed_with_xendit_and_announced_once(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        charge, invoice_id = await create_xendit_charge(client, midtrans)
        order_id = charge["order_id"]
        confirm = mock_invoice(midtrans, invoice_id, invoice(invoice_id, order_id, "PAID", method="QR_CODE"))
        body = callback_body(invoice_id, order_id, "PAID", method="QR_CODE", channel="QRIS")
        answers = await asyncio.gather(*(callback(client, body) for _ in range(20)))
        after = (await client.get(f"/internal/charges/{order_id}", headers=INTERNAL)).json()
    assert [a.status_code for a in answers] == [200] * 20
    assert confirm.call_count == 20  # the callback alone is never trusted
    assert after["status"] == "paid"
    assert after["transaction_status"] == "PAID"
    assert after["payment_type"] == "qris"
    events = await events_for(migrated_database_url, order_id)
    assert len(events) == 1
    data = events[0]["payload"]
    assert data["gateway"] == "xendit"
    assert data["status"] == "paid"
    assert data["gross_amount"] == "150000.00"
    assert data["gateway_transaction_id"] == invoice_id
    assert data["settlement_time"] == "2026-11-27T02:16:40.912000+00:00"


async def test_a_callback_with_a_wrong_or_missing_token_is_401_and_asks_nothing(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        charge, invoice_id = await create_xendit_charge(client, midtrans)
        order_id = charge["order_id"]
        confirm = mock_invoice(midtrans, invoice_id, invoice(invoice_id, order_id, "PAID"))
        body = invoice(invoice_id, order_id, "PAID")
        wrong = await callback(client, body, token="guessed-token")
        missing = await callback(client, body, token=None)
    assert wrong.status_code == missing.status_code == 401
    assert wrong.json()["type"].endswith("/invalid-signature")
    assert confirm.call_count == 0
    assert (await charge_row(migrated_database_url, order_id))["status"] == "pending"
    assert await events_for(migrated_database_url, order_id) == []
    stored = await notifications_for(migrated_database_url, order_id)
    assert [(n["verdict"], n["gateway"], n["body"]) for n in stored] == [("forged", "xendit", None)] * 2


async def test_expired_then_a_late_paid_callback_announces_both(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    """Money that arrives after the invoice expired is still announced, so it can be refunded."""
    async with running_app(app) as client:
        charge, invoice_id = await create_xendit_charge(client, midtrans)
        order_id = charge["order_id"]
        mock_invoice(midtrans, invoice_id, invoice(invoice_id, order_id, "EXPIRED"))
        assert (await callback(client, invoice(invoice_id, order_id, "EXPIRED"))).status_code == 200
        mock_invoice(midtrans, invoice_id, invoice(invoice_id, order_id, "PAID"))
        assert (await callback(client, invoice(invoice_id, order_id, "PAID"))).status_code == 200
        # Out of order: the EXPIRED callback retried after the payment changes nothing.
        assert (await callback(client, invoice(invoice_id, order_id, "EXPIRED"))).status_code == 200
    events = await events_for(migrated_database_url, order_id)
    assert [e["payload"]["status"] for e in events] == ["expired", "paid"]


async def test_amounts_currency_and_invoice_must_be_the_charges(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        charge, invoice_id = await create_xendit_charge(client, midtrans)
        order_id = charge["order_id"]
        low = await callback(client, invoice(invoice_id, order_id, "PAID", amount=1500))
        mock_invoice(midtrans, invoice_id, invoice(invoice_id, order_id, "PAID", currency="USD"))
        usd = await callback(client, invoice(invoice_id, order_id, "PAID"))
        mock_invoice(midtrans, invoice_id, invoice(invoice_id, order_id, "PAID", amount=150001))
        status_differs = await callback(client, invoice(invoice_id, order_id, "PAID"))
        other_invoice = await callback(client, invoice("another-invoice", order_id, "PAID"))
    assert low.status_code == usd.status_code == status_differs.status_code == 422
    assert other_invoice.status_code == 404
    assert (await charge_row(migrated_database_url, order_id))["status"] == "pending"
    assert await events_for(migrated_database_url, order_id) == []


async def test_numbers_that_are_not_amounts_are_400_before_anything_else(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        charge, invoice_id = await create_xendit_charge(client, midtrans)
        order_id = charge["order_id"]
        answers = [
            await callback(client, invoice(invoice_id, order_id, "PAID", amount=value))
            for value in ("1e30", "NaN", "Infinity", "-1e999", "abc")
        ]
        nan_literal = await callback(
            client, json.dumps(invoice(invoice_id, order_id, "PAID")).replace("150000", "NaN", 1).encode()
        )
        not_json = await callback(client, b"\xb2\xff not json")
    assert [a.status_code for a in answers] == [400] * 5
    assert nan_literal.status_code == not_json.status_code == 400
    assert answers[0].json()["type"].endswith("/invalid-notification")
    assert (await charge_row(migrated_database_url, order_id))["status"] == "pending"


async def test_xendit_unreachable_is_503_so_it_retries_and_unknown_invoices_are_404(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        charge, invoice_id = await create_xendit_charge(client, midtrans)
        order_id = charge["order_id"]
        midtrans.get(f"{XENDIT}/v2/invoices/{invoice_id}").mock(side_effect=httpx.ConnectError("down"))
        down = await callback(client, invoice(invoice_id, order_id, "PAID"))
        midtrans.get(f"{XENDIT}/v2/invoices/{invoice_id}").respond(404, json=INVOICE_NOT_FOUND)
        gone = await callback(client, invoice(invoice_id, order_id, "PAID"))
        nobody = await callback(client, invoice(invoice_id, "nobody-ordered-this", "PAID"))
    assert down.status_code == 503
    assert gone.status_code == nobody.status_code == 404
    assert await events_for(migrated_database_url, order_id) == []


async def test_a_midtrans_charge_is_not_paid_by_a_xendit_callback(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        response = await callback(client, invoice("some-invoice", order_id, "PAID"))
    assert response.status_code == 404
    assert (await charge_row(migrated_database_url, order_id))["status"] == "pending"


async def test_sync_and_cancel_go_to_the_charges_gateway(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        charge, invoice_id = await create_xendit_charge(client, midtrans)
        order_id = charge["order_id"]
        mock_invoice(midtrans, invoice_id, invoice(invoice_id, order_id, "PENDING"))
        synced = (await client.post(f"/internal/charges/{order_id}/sync", headers=INTERNAL)).json()
        expire = midtrans.post(f"{XENDIT}/invoices/{invoice_id}/expire!").respond(
            200, json=invoice(invoice_id, order_id, "EXPIRED")
        )
        cancelled = await client.post(f"/internal/charges/{order_id}/cancel", headers=INTERNAL)
    assert synced["status"] == "pending"
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "expired"
    assert expire.call_count == 1
    assert [e["payload"]["status"] for e in await events_for(migrated_database_url, order_id)] == ["expired"]


async def test_cancel_of_an_invoice_paid_meanwhile_is_409_and_announces_the_payment(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        charge, invoice_id = await create_xendit_charge(client, midtrans)
        order_id = charge["order_id"]
        midtrans.post(f"{XENDIT}/invoices/{invoice_id}/expire!").respond(404, json=INVOICE_NOT_FOUND)
        mock_invoice(midtrans, invoice_id, invoice(invoice_id, order_id, "PAID"))
        response = await client.post(f"/internal/charges/{order_id}/cancel", headers=INTERNAL)
    assert response.status_code == 409
    assert response.json()["type"].endswith("/charge-paid")
    assert [e["payload"]["status"] for e in await events_for(migrated_database_url, order_id)] == ["paid"]


async def test_refunds_full_and_partial_through_xendit(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        charge, invoice_id = await create_xendit_charge(client, midtrans)
        order_id = charge["order_id"]
        mock_invoice(midtrans, invoice_id, invoice(invoice_id, order_id, "PAID"))
        assert (await callback(client, invoice(invoice_id, order_id, "PAID"))).status_code == 200
        route = midtrans.post(f"{XENDIT}/refunds").respond(
            200, json=refund("rfd-1", invoice_id, 50000, order_id=order_id)
        )
        partial = await client.post(
            f"/internal/charges/{order_id}/refunds",
            json={"amount": "50000.00", "reason": "one leg cancelled"},
            headers={**INTERNAL, "Idempotency-Key": f"r1-{order_id}"},
        )
        midtrans.post(f"{XENDIT}/refunds").respond(
            200, json=refund("rfd-2", invoice_id, 100000, order_id=order_id)
        )
        rest = await client.post(
            f"/internal/charges/{order_id}/refunds",
            json={"amount": "100000.00", "reason": "trip cancelled"},
            headers={**INTERNAL, "Idempotency-Key": f"r2-{order_id}"},
        )
        succeeded = await callback(
            client, refund_callback("rfd-2", invoice_id, 100000, "SUCCEEDED", order_id)
        )
    assert partial.status_code == rest.status_code == 201
    assert partial.json()["transaction_status"] == "partial_refund"
    assert rest.json()["refunded_amount"] == "150000.00"
    assert route.calls[0].request.headers["Idempotency-key"] == f"r1-{order_id}"
    assert succeeded.status_code == 200
    statuses = [
        (e["payload"]["status"], e["payload"]["refunded_amount"])
        for e in await events_for(migrated_database_url, order_id)
    ]
    assert statuses == [("paid", "0.00"), ("partially_refunded", "50000.00"), ("refunded", "150000.00")]


async def test_xendit_refusing_a_refund_is_409(app: FastAPI, midtrans: respx.MockRouter) -> None:
    async with running_app(app) as client:
        charge, invoice_id = await create_xendit_charge(client, midtrans)
        order_id = charge["order_id"]
        mock_invoice(midtrans, invoice_id, invoice(invoice_id, order_id, "PAID"))
        assert (await callback(client, invoice(invoice_id, order_id, "PAID"))).status_code == 200
        midtrans.post(f"{XENDIT}/refunds").respond(
            403, json=error("REFUND_NOT_SUPPORTED", "not for this channel")
        )
        response = await client.post(
            f"/internal/charges/{order_id}/refunds",
            json={"amount": "1000.00", "reason": "x"},
            headers={**INTERNAL, "Idempotency-Key": f"r-{order_id}"},
        )
    assert response.status_code == 409
    assert response.json()["type"].endswith("/refund-not-allowed")


async def test_midtrans_switched_off_sends_new_payments_to_xendit_and_still_finishes_its_own(
    midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app_with(migrated_database_url)) as client:
        old_order = (await create_charge(client, midtrans))["order_id"]
    async with running_app(app_with(migrated_database_url, midtrans_enabled=False)) as client:
        order_id = new_order_id()
        invoice_id = "inv-for-default"
        midtrans.get(f"{XENDIT}/v2/invoices", params={"external_id": order_id}).respond(200, json=[])
        midtrans.post(f"{XENDIT}/v2/invoices").respond(200, json=invoice(invoice_id, order_id))
        default = await client.post(
            "/internal/charges",
            json=charge_body(order_id),
            headers={**INTERNAL, "Idempotency-Key": f"key-{order_id}"},
        )
        asked = await client.post(
            "/internal/charges",
            json=charge_body(new_order_id(), gateway="midtrans"),
            headers={**INTERNAL, "Idempotency-Key": "asked-midtrans"},
        )
        midtrans.post(url__regex=r".*/v2/.*/expire").respond(
            200,
            json={
                "status_code": "407",
                "transaction_status": "expire",
                "order_id": old_order,
                "gross_amount": "150000.00",
            },
        )
        old_cancelled = await client.post(f"/internal/charges/{old_order}/cancel", headers=INTERNAL)
    assert default.status_code == 201
    assert default.json()["gateway"] == "xendit"
    assert asked.status_code == 503
    assert asked.json()["type"].endswith("/gateway-disabled")
    assert old_cancelled.status_code == 200
    assert old_cancelled.json()["status"] == "expired"


async def test_both_gateways_off_refuse_new_payments_with_503(migrated_database_url: str) -> None:
    app = app_with(migrated_database_url, midtrans_enabled=False, xendit_enabled=False)
    async with running_app(app) as client:
        response = await client.post(
            "/internal/charges",
            json=charge_body(new_order_id()),
            headers={**INTERNAL, "Idempotency-Key": "nobody-takes-it"},
        )
    assert response.status_code == 503
    assert response.json()["type"].endswith("/gateway-disabled")


async def test_an_unknown_gateway_is_422(app: FastAPI) -> None:
    async with running_app(app) as client:
        response = await client.post(
            "/internal/charges",
            json=charge_body(new_order_id(), gateway="paypal"),
            headers={**INTERNAL, "Idempotency-Key": "paypal"},
        )
    assert response.status_code == 422
