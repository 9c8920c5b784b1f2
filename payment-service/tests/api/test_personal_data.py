"""Payment details kept no longer than needed, on PostgreSQL: the customer leaves the stored
gateway request once the gateway has it, accepted notification bodies are reduced after their
retention by the same job that purges rejects, and replays, webhooks and refunds behave as before."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import respx
from fastapi import FastAPI
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.tables import charges, idempotency_keys, notifications, outbox
from adapters.unit_of_work import PgPaymentUnitOfWork
from domain.notification_log import NotificationRetention, Purged
from shared.db import create_asyncpg_pool
from shared.settings import DatabaseSettings, to_asyncpg_url
from testkit.asgi import running_app
from testkit.postgres import alembic
from tests.api.support import (
    charge_body,
    charge_row,
    create_charge,
    events_for,
    mock_snap,
    mock_status,
    new_order_id,
    notifications_for,
    notify,
    table_rows,
)
from tests.api.xendit_support import callback, create_xendit_charge, mock_invoice
from tests.conftest import INTERNAL
from tests.midtrans_payloads import CORE, SNAP, notification, refund_body, status_body
from tests.xendit_payloads import XENDIT, invoice, refund, refund_callback

CUSTOMER = ("Budi", "Santoso", "budi@example.co.id", "+6281234567890")
# What a credit-card payment's notification carries about the card (Midtrans's shape).
CARD = {
    "masked_card": "48111111-1114",
    "card_type": "credit",
    "bank": "bni",
    "approval_code": "1606728302837",
    "eci": "05",
    "channel_response_code": "00",
    "channel_response_message": "Approved",
    "three_ds_version": "2",
}


def key_headers(key: str) -> dict[str, str]:
    return {**INTERNAL, "Idempotency-Key": key}


def holds_customer(value: Any) -> bool:
    text = json.dumps(value)
    return any(part in text for part in CUSTOMER)


async def execute(database_url: str, statement: Any) -> None:
    engine = create_async_engine(to_asyncpg_url(database_url))
    try:
        async with engine.begin() as conn:
            await conn.execute(statement)
    finally:
        await engine.dispose()


async def run_retention(database_url: str, days_later: int, batch_size: int = 500) -> Purged:
    pool = await create_asyncpg_pool(DatabaseSettings(DATABASE_URL=database_url))  # type: ignore[call-arg]
    try:
        later = datetime.now(UTC) + timedelta(days=days_later)
        retention = NotificationRetention(
            lambda: PgPaymentUnitOfWork(pool),
            lambda: later,
            reject_retention=timedelta(days=7),
            body_retention=timedelta(days=30),
            batch_size=batch_size,
        )
        return await retention.purge()
    finally:
        await pool.close()


async def test_a_xendit_invoice_request_keeps_no_customer_once_xendit_has_it(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        charge, _ = await create_xendit_charge(client, midtrans)
    sent = json.loads(midtrans.calls.last.request.content)
    assert sent["payer_email"] == "budi@example.co.id"
    assert sent["customer"]["mobile_number"] == CUSTOMER[3]
    row = await charge_row(migrated_database_url, charge["order_id"])
    # The adapter adds where the page sends the payer afterwards; the rest is the stored body.
    dropped = ("payer_email", "customer", "success_redirect_url")
    kept = {k: v for k, v in sent.items() if k not in dropped}
    assert row["request"] == {**kept, "customer_dropped": True}
    assert not holds_customer(row["request"])


async def test_a_retry_after_a_gateway_failure_still_sends_the_customer(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    order_id = new_order_id()
    route = midtrans.post(f"{SNAP}/transactions")
    route.side_effect = [
        httpx.Response(503, text="<html>Service Unavailable</html>"),
        httpx.Response(201, json={"token": "tok-ok", "redirect_url": "https://x.test/vtweb/tok-ok"}),
    ]
    async with running_app(app) as client:
        failed = await client.post(
            "/internal/charges", json=charge_body(order_id), headers=key_headers(order_id)
        )
        assert failed.status_code == 503
        # Until the gateway has it, the stored body is what a retry sends: the customer stays.
        assert holds_customer((await charge_row(migrated_database_url, order_id))["request"])
        retried = await client.post(
            "/internal/charges", json=charge_body(order_id), headers=key_headers(order_id)
        )
    assert retried.status_code == 201, retried.text
    assert json.loads(route.calls.last.request.content)["customer_details"]["email"] == CUSTOMER[2]
    assert not holds_customer((await charge_row(migrated_database_url, order_id))["request"])


async def test_once_the_key_record_is_gone_the_charge_still_replays_and_still_refuses_another_body(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    order_id = new_order_id()
    key = f"key-{order_id}"
    async with running_app(app) as client:
        first = await create_charge(client, midtrans, order_id, key)
        await execute(migrated_database_url, delete(idempotency_keys).where(idempotency_keys.c.key == key))
        snap = mock_snap(midtrans)  # respx hands back the route create_charge used
        calls_before = snap.call_count
        again = await client.post("/internal/charges", json=charge_body(order_id), headers=key_headers(key))
        other_amount = charge_body(
            order_id,
            gross_amount="175000.00",
            item_details=[{"id": "FL", "name": "Garuda", "price": "175000.00", "quantity": 1}],
        )
        await execute(migrated_database_url, delete(idempotency_keys).where(idempotency_keys.c.key == key))
        reused = await client.post("/internal/charges", json=other_amount, headers=key_headers(key))
    assert again.status_code == 201, again.text
    assert again.json()["token"] == first["token"]
    assert snap.call_count == calls_before  # replayed from the charge row, not asked again
    assert reused.status_code == 422
    assert reused.json()["type"].endswith("/idempotency-key-reused")


async def test_the_retention_job_reduces_old_accepted_bodies_and_purges_rejects_in_one_round(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        card_order = (await create_charge(client, midtrans))["order_id"]
        paid = {**status_body(card_order, "settlement", payment_type="credit_card"), **CARD}
        mock_status(midtrans, card_order, paid)
        body = {**notification(card_order, "settlement", payment_type="credit_card"), **CARD}
        assert (await notify(client, body)).status_code == 200
        assert (await notify(client, {**body, "signature_key": "0" * 128})).status_code == 401

        xendit_charge, invoice_id = await create_xendit_charge(client, midtrans)
        xendit_order = xendit_charge["order_id"]
        mock_invoice(midtrans, invoice_id, invoice(invoice_id, xendit_order, "PAID"))
        assert (await callback(client, invoice(invoice_id, xendit_order, "PAID"))).status_code == 200
        refund_id = f"rfd-{uuid.uuid4().hex[:12]}"
        midtrans.post(f"{XENDIT}/refunds").respond(
            200, json=refund(refund_id, invoice_id, 50000, "SUCCEEDED", xendit_order)
        )
        refunded = await client.post(
            f"/internal/charges/{xendit_order}/refunds",
            json={"amount": "50000.00", "reason": "customer cancelled"},
            headers=key_headers(refund_id),
        )
        assert refunded.status_code == 201, refunded.text
        refunded_callback = refund_callback(refund_id, invoice_id, 50000, "SUCCEEDED", xendit_order)
        assert (await callback(client, refunded_callback)).status_code == 200

    kept_whole = await run_retention(migrated_database_url, days_later=8)  # rejects go, bodies stay
    assert kept_whole.rejects >= 1
    card_rows = await notifications_for(migrated_database_url, card_order)
    assert [n["verdict"] for n in card_rows] == ["accepted"]
    assert card_rows[0]["body"]["masked_card"] == CARD["masked_card"]
    assert card_rows[0]["reduced_at"] is None

    purged = await run_retention(migrated_database_url, days_later=31, batch_size=1)  # one per batch
    assert purged.reduced >= 3
    [card] = await notifications_for(migrated_database_url, card_order)
    assert card["reduced_at"] is not None
    assert card["body"] == {
        key: body[key]
        for key in (
            "order_id",
            "transaction_id",
            "merchant_id",
            "transaction_status",
            "status_code",
            "status_message",
            "fraud_status",
            "signature_key",
            "gross_amount",
            "currency",
            "payment_type",
            "transaction_time",
            "settlement_time",
            "expiry_time",
        )
    }
    assert json.loads(card["raw_body"]) == card["body"]
    for gone in ("48111111-1114", "12345678901", "bni", "1606728302837"):
        assert gone not in card["raw_body"]

    xendit_rows = await table_rows(
        migrated_database_url,
        select(notifications).where(
            notifications.c.gateway == "xendit", notifications.c.order_id == xendit_order
        ),
    )
    assert len(xendit_rows) == 2
    assert all(r["reduced_at"] is not None for r in xendit_rows)
    paid_callback = next(r["body"] for r in xendit_rows if "event" not in r["body"])
    assert paid_callback["status"] == "PAID"
    assert paid_callback["paid_amount"] == 150000
    assert paid_callback["payment_method"] == "BANK_TRANSFER"
    for gone in ("payer_email", "payment_destination", "bank_code", "merchant_name", "description"):
        assert gone not in paid_callback
    refund_row = next(r["body"] for r in xendit_rows if "event" in r["body"])
    assert refund_row["event"] == "refund.succeeded"
    assert refund_row["data"]["status"] == "SUCCEEDED"
    assert refund_row["data"]["amount"] == 50000
    assert refund_row["data"]["metadata"] == {"order_id": xendit_order}  # the free-text note goes
    assert not any(holds_customer(r["raw_body"]) for r in xendit_rows)

    assert (await run_retention(migrated_database_url, days_later=31)).reduced == 0  # nothing twice


async def test_after_reduction_duplicates_syncs_and_refunds_behave_as_before(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        mock_status(midtrans, order_id, status_body(order_id, "settlement", payment_type="credit_card"))
        body = {**notification(order_id, "settlement", payment_type="credit_card"), **CARD}
        assert (await notify(client, body)).status_code == 200
        await run_retention(migrated_database_url, days_later=31)
        duplicate = await notify(client, body)
        synced = await client.post(f"/internal/charges/{order_id}/sync", headers=INTERNAL)
        midtrans.post(f"{CORE}/v2/{order_id}/refund").respond(
            200, json=refund_body(order_id, f"rk-{order_id}", "50000.00", transaction_status="partial_refund")
        )
        refunded = await client.post(
            f"/internal/charges/{order_id}/refunds",
            json={"amount": "50000.00", "reason": "customer cancelled"},
            headers=key_headers(f"rk-{order_id}"),
        )
    assert duplicate.status_code == 200
    assert synced.status_code == 200
    assert synced.json()["status"] == "paid"
    assert refunded.status_code == 201, refunded.text
    assert refunded.json()["refunded_amount"] == "50000.00"
    statuses = [e["payload"]["status"] for e in await events_for(migrated_database_url, order_id)]
    assert statuses == ["paid", "partially_refunded"]  # the duplicate and the sync added nothing
    rows = await notifications_for(migrated_database_url, order_id)
    assert [r["reduced_at"] is not None for r in rows] == [True, False]  # the new one stays whole


async def test_the_migration_drops_the_customer_from_charges_the_gateway_already_has(
    make_database: Callable[[str], str], service_dir: Path
) -> None:
    url = make_database("payment_customer_drop")
    alembic(service_dir, url, "upgrade", "0003_notification_retention")
    now = datetime.now(UTC)
    sent = {
        "transaction_details": {"order_id": "pay-started", "gross_amount": 150000},
        "customer_details": {"first_name": "Budi", "email": "budi@example.co.id"},
    }
    invoice_body = {"external_id": "pay-waiting", "payer_email": "budi@example.co.id", "customer": {"x": 1}}

    def row(order_id: str, token: str | None, request: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": uuid.uuid4(),
            "order_id": order_id,
            "gateway": "midtrans" if token else "xendit",
            "status": "pending",
            "gross_amount": 150000,
            "currency": "IDR",
            "refunded_amount": 0,
            "expires_at": now,
            "request": request,
            "idempotency_key": f"key-{order_id}",
            "token": token,
            "created_at": now,
            "updated_at": now,
        }

    await execute(
        url, insert(charges).values([row("pay-started", "tok", sent), row("pay-waiting", None, invoice_body)])
    )
    alembic(service_dir, url, "upgrade", "head")
    started = (await table_rows(url, select(charges).where(charges.c.order_id == "pay-started")))[0]
    waiting = (await table_rows(url, select(charges).where(charges.c.order_id == "pay-waiting")))[0]
    assert started["request"] == {
        "transaction_details": sent["transaction_details"],
        "customer_dropped": True,
    }
    assert waiting["request"] == invoice_body  # not started yet: a retry still sends the customer


async def test_where_to_pay_leaves_the_delivered_event_with_the_bodies_retention(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        mock_status(midtrans, order_id, status_body(order_id, "pending"))
        assert (await notify(client, notification(order_id, "pending"))).status_code == 200
    [event] = await events_for(migrated_database_url, order_id)
    assert event["payload"]["payment_instructions"]["va_number"] == "12345678901"

    # Not delivered yet: kept whatever its age (the customer has not been told).
    assert (await run_retention(migrated_database_url, days_later=31)).instructions == 0
    await execute(
        migrated_database_url,
        update(outbox)
        .where(outbox.c.payload["order_id"].as_string() == order_id)
        .values(delivered_at=func.now()),
    )
    assert (await run_retention(migrated_database_url, days_later=29)).instructions == 0
    purged = await run_retention(migrated_database_url, days_later=31)
    assert purged.instructions == 1
    [event] = await events_for(migrated_database_url, order_id)
    assert "payment_instructions" not in event["payload"]
    assert event["payload"]["status"] == "pending"
    assert event["payload"]["order_id"] == order_id
    assert (await run_retention(migrated_database_url, days_later=31)).instructions == 0
