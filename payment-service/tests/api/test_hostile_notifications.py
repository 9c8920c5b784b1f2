"""Hostile bodies on the public webhooks and the internal refund: numbers that are not amounts
are 4xx (never 500), rejected bodies are kept only as capped summaries, and old rejects are
purged by the retention job."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import respx
from fastapi import FastAPI
from sqlalchemy import select

from adapters.tables import notifications
from adapters.unit_of_work import PgPaymentUnitOfWork
from domain.notification_log import REJECTED_LIMIT, NotificationRetention
from shared.db import create_asyncpg_pool
from shared.settings import DatabaseSettings
from testkit.asgi import running_app
from tests.api.support import create_charge, mock_status, notifications_for, notify, pay, table_rows
from tests.api.xendit_support import callback
from tests.conftest import INTERNAL
from tests.midtrans_payloads import notification, signature, status_body


@pytest.mark.parametrize("gross", ["1e30", "NaN", "Infinity", "-Infinity", "-1e30", "12.3.4", ""])
async def test_a_gross_amount_that_is_not_an_amount_is_400_before_the_signature(
    app: FastAPI, midtrans: respx.MockRouter, gross: str
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        body = notification(order_id, "settlement")
        # Correctly signed over the hostile string, so only the amount check can refuse it.
        body["gross_amount"] = gross
        body["signature_key"] = signature(order_id, body["status_code"], gross)
        response = await notify(client, body)
    assert response.status_code == 400
    assert response.json()["type"].endswith("/invalid-notification")
    assert "gross_amount" in response.json()["detail"]


async def test_json_nan_and_huge_numbers_are_400(app: FastAPI, midtrans: respx.MockRouter) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        text = json.dumps(notification(order_id, "settlement"))
        nan = await notify(client, text.replace('"150000.00"', "NaN").encode())
        huge = await notify(client, text.replace('"150000.00"', "1e400").encode())
        digits = await notify(client, text.replace('"150000.00"', "9" * 5000).encode())
        bad_utf8 = await notify(
            client, text.replace("settlement", "settle\udcb2", 1).encode("utf-8", "surrogateescape")
        )
    assert [r.status_code for r in (nan, huge, digits, bad_utf8)] == [400, 400, 400, 400]


async def test_json_nested_too_deep_is_400_on_both_webhooks(app: FastAPI) -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    async with running_app(app) as client:
        midtrans_answer = await notify(client, deep)
        xendit_answer = await callback(client, deep)
    assert midtrans_answer.status_code == 400
    assert xendit_answer.status_code == 400


@pytest.mark.parametrize("amount", ["1e30", "NaN", "Infinity", "sNaN", "1e-30"])
async def test_a_refund_amount_that_is_not_an_amount_is_422(
    app: FastAPI, midtrans: respx.MockRouter, amount: str
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        await pay(client, midtrans, order_id)
        response = await client.post(
            f"/internal/charges/{order_id}/refunds",
            json={"amount": amount, "reason": "x"},
            headers={**INTERNAL, "Idempotency-Key": f"hostile-{order_id}"},
        )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_rejected_body_is_kept_as_a_capped_summary_an_accepted_one_whole(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        junk = {**notification(order_id, "settlement"), "signature_key": "0" * 128, "padding": "x" * 500_000}
        forged = await notify(client, junk)
        unsigned_callback = await callback(
            client, {"external_id": order_id, "junk": "y" * 500_000}, token="no"
        )
        mock_status(midtrans, order_id, status_body(order_id, "settlement"))
        accepted = await notify(client, notification(order_id, "settlement"))
    assert forged.status_code == unsigned_callback.status_code == 401
    assert accepted.status_code == 200
    stored = {n["verdict"]: n for n in await notifications_for(migrated_database_url, order_id)}
    rejected = stored["forged"]
    assert len(rejected["raw_body"]) == REJECTED_LIMIT
    assert rejected["body"] is None
    assert "bytes" in rejected["detail"]
    assert stored["accepted"]["body"]["transaction_status"] == "settlement"
    assert json.loads(stored["accepted"]["raw_body"])["order_id"] == order_id


async def test_the_retention_job_purges_old_rejects_and_keeps_what_was_accepted(
    app: FastAPI, midtrans: respx.MockRouter, migrated_database_url: str
) -> None:
    async with running_app(app) as client:
        order_id = (await create_charge(client, midtrans))["order_id"]
        await notify(client, {**notification(order_id, "settlement"), "signature_key": "0" * 128})
        await pay(client, midtrans, order_id)
    pool = await create_asyncpg_pool(DatabaseSettings(DATABASE_URL=migrated_database_url))  # type: ignore[call-arg]
    try:
        later = datetime.now(UTC) + timedelta(days=8)
        retention = NotificationRetention(
            lambda: PgPaymentUnitOfWork(pool),
            lambda: later,
            reject_retention=timedelta(days=7),
            body_retention=timedelta(days=30),
        )
        purged = await retention.purge()
    finally:
        await pool.close()
    assert purged.rejects >= 1
    left = await table_rows(
        migrated_database_url, select(notifications).where(notifications.c.order_id == order_id)
    )
    assert [n["verdict"] for n in left] == ["accepted"]
