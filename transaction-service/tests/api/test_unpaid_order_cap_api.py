"""At most MAX_UNPAID_ORDERS_PER_ACCOUNT (default 5) unpaid orders per account, on PostgreSQL:
the next is a 409 too-many-unpaid-orders before anything is held, orders made at the same
moment cannot slip past the cap together, and a retry with the same key asks again."""

from __future__ import annotations

import asyncio

import httpx

from tests.api.helpers import book
from tests.conftest import People, order_body
from tests.fakes import FakeFlights


async def test_the_sixth_unpaid_order_is_409_and_holds_nothing_until_one_is_cancelled(
    client: httpx.AsyncClient, people: People, flights: FakeFlights
) -> None:
    buyer = people.make()
    orders = [await book(client, buyer) for _ in range(5)]
    holds = flights.calls.count("hold")
    key = buyer.keyed()
    refused = await client.post("/orders/", json=order_body(), headers=key)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["type"].endswith("/too-many-unpaid-orders")
    assert (problem["limit"], problem["unpaid_orders"]) == (5, 5)
    assert flights.calls.count("hold") == holds  # the supplier was not asked
    # Another account orders as usual.
    await book(client, people.make())
    # One cancelled: the same request with the same key now goes through (the 409 was not kept).
    cancelled = await client.post(
        f"/transactions/{orders[0]['transaction_id']}/cancel", json={"reason": "x"}, headers=buyer.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    again = await client.post("/orders/", json=order_body(), headers=key)
    assert again.status_code == 201, again.text


async def test_orders_made_at_the_same_moment_cannot_pass_the_cap_together(
    client: httpx.AsyncClient, people: People, flights: FakeFlights
) -> None:
    buyer = people.make()
    for _ in range(3):
        await book(client, buyer)
    answers = await asyncio.gather(
        *(client.post("/orders/", json=order_body(), headers=buyer.keyed()) for _ in range(4))
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201, 201, 409, 409], [a.text for a in answers]
    listed = await client.get("/orders/", params={"status": "CONFIRMED"}, headers=buyer.headers)
    assert listed.json()["total"] == 5
    # A hold made for an order that was then refused is released at the product.
    released = [b for b in flights.bookings.values() if b["status"] == "cancelled"]
    assert len(released) == flights.calls.count("hold") - 5
