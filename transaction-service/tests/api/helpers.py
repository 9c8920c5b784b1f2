"""Steps the API tests share: book, pay, deliver events, run the work queue."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

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
    async with app.state.sessions() as session, session.begin():
        result = await session.execute(text(statement), params)
        return list(result.all()) if result.returns_rows else []
