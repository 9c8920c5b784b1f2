"""Steps the API tests share: book, pay, deliver events, run the work queue."""

from __future__ import annotations

import json
from collections import namedtuple
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from shared.db import Statement
from tests.conftest import Person, order_body
from tests.fakes import payment_event


async def book(client: httpx.AsyncClient, person: Person, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/orders/", json=order_body(**overrides), headers=person.keyed())
    assert response.status_code == 201, response.text
    return dict(response.json())


async def pay(client: httpx.AsyncClient, person: Person, transaction_id: str) -> dict[str, Any]:
    response = await client.post(
        "/payments/", json={"transaction_id": transaction_id}, headers=person.keyed()
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def book_and_pay(client: httpx.AsyncClient, person: Person) -> tuple[dict[str, Any], dict[str, Any]]:
    order = await book(client, person)
    payment = await pay(client, person, order["transaction_id"])
    return order, payment


async def deliver(
    client: httpx.AsyncClient, payment_id: str, status: str, transaction_status: str, **kw: Any
) -> str:
    body, headers, _ = payment_event(payment_id, status, transaction_status, **kw)
    response = await client.post("/webhooks/payment", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return str(response.json()["outcome"])


async def run_jobs(app: FastAPI, rounds: int = 5) -> None:
    """Runs the work queue until nothing is due (jobs may queue further jobs)."""
    for _ in range(rounds):
        if await app.state.work_relay.deliver_due() == 0:
            return


async def get(client: httpx.AsyncClient, person: Person, path: str) -> dict[str, Any]:
    response = await client.get(path, headers=person.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def sql(app: FastAPI, statement: str, **params: Any) -> list[Any]:
    """`statement` (with `:name` parameters) in a transaction of its own on the app's pool,
    committed: its rows as tuples that also answer by column name, JSON columns decoded."""
    named = Statement(statement)
    pool: asyncpg.Pool = app.state.pool
    async with pool.acquire() as connection, connection.transaction():
        prepared = await connection.prepare(named.sql)
        columns = prepared.get_attributes()
        records = await prepared.fetch(*named.args(**params))
    row = namedtuple("row", [c.name for c in columns], rename=True)  # type: ignore[misc]
    json_at = {i for i, c in enumerate(columns) if c.type.name in ("json", "jsonb")}
    return [
        row(*(json.loads(v) if i in json_at and v is not None else v for i, v in enumerate(record)))
        for record in records
    ]
