"""What the API tests share: request bodies, Midtrans answers, and a look into the database."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import respx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.tables import charges, notifications, outbox
from shared.settings import to_asyncpg_url
from tests.conftest import INTERNAL
from tests.midtrans_payloads import CORE, SNAP, notification, snap_created, status_body


def new_order_id() -> str:
    return f"pay-{uuid.uuid4().hex[:20]}"  # the test database is shared by the whole session


def charge_body(order_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "gross_amount": "150000.00",
        "currency": "IDR",
        "item_details": [
            {"id": "FL-CGK-DPS", "name": "Garuda GA404 CGK-DPS", "price": "100000.00", "quantity": 1},
            {"id": "FEE", "name": "Service fee", "price": "25000.00", "quantity": 2},
        ],
        "customer_details": {
            "first_name": "Budi",
            "last_name": "Santoso",
            "email": "budi@example.co.id",
            "phone": "+6281234567890",
        },
        "expiry_minutes": 60,
        **overrides,
    }


def mock_snap(midtrans: respx.MockRouter, token: str | None = None) -> respx.Route:
    return midtrans.post(f"{SNAP}/transactions").respond(201, json=snap_created(token or uuid.uuid4().hex))


def mock_status(midtrans: respx.MockRouter, order_id: str, body: dict[str, Any]) -> respx.Route:
    return midtrans.get(f"{CORE}/v2/{order_id}/status").respond(200, json=body)


async def create_charge(
    client: httpx.AsyncClient, midtrans: respx.MockRouter, order_id: str | None = None, key: str | None = None
) -> dict[str, Any]:
    order_id = order_id or new_order_id()
    mock_snap(midtrans)
    response = await client.post(
        "/internal/charges",
        json=charge_body(order_id),
        headers={**INTERNAL, "Idempotency-Key": key or f"key-{order_id}"},
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def notify(client: httpx.AsyncClient, body: dict[str, Any] | bytes) -> httpx.Response:
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    return await client.post(
        "/webhooks/midtrans", content=content, headers={"Content-Type": "application/json"}
    )


async def pay(client: httpx.AsyncClient, midtrans: respx.MockRouter, order_id: str) -> None:
    """Midtrans settles the order and tells us."""
    mock_status(midtrans, order_id, status_body(order_id, "settlement", payment_type="gopay"))
    response = await notify(client, notification(order_id, "settlement", payment_type="gopay"))
    assert response.status_code == 200, response.text


async def table_rows(database_url: str, query: Any) -> list[dict[str, Any]]:
    engine = create_async_engine(to_asyncpg_url(database_url))
    try:
        async with engine.connect() as conn:
            return [dict(row._mapping) for row in (await conn.execute(query)).all()]
    finally:
        await engine.dispose()


async def events_for(database_url: str, order_id: str) -> list[dict[str, Any]]:
    """Outbox rows announcing this order, oldest first."""
    return await table_rows(
        database_url,
        select(outbox)
        .where(outbox.c.payload["order_id"].as_string() == order_id)
        .order_by(outbox.c.created_at),
    )


async def notifications_for(database_url: str, order_id: str) -> list[dict[str, Any]]:
    return await table_rows(
        database_url,
        select(notifications)
        .where(notifications.c.order_id == order_id)
        .order_by(notifications.c.received_at),
    )


async def charge_row(database_url: str, order_id: str) -> dict[str, Any]:
    rows = await table_rows(database_url, select(charges).where(charges.c.order_id == order_id))
    assert len(rows) == 1
    return rows[0]
