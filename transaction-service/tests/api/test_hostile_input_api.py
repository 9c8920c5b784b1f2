"""Hostile bytes on the money path are refused with a 4xx before anything moves: an admin refund
amount that is not a bounded number, a signed event whose timestamp header is not ASCII digits."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.api.helpers import book_and_pay, deliver, get, run_jobs
from tests.conftest import People
from tests.fakes import FakePayments, payment_event


async def test_an_unbounded_or_not_a_number_refund_amount_is_422_and_refunds_nothing(
    client: httpx.AsyncClient, app: FastAPI, people: People, payments: FakePayments
) -> None:
    buyer, admin = people.make(), people.make("admin")
    order, payment = await book_and_pay(client, buyer)
    payments.settle(payment["id"])
    await deliver(client, payment["id"], "paid", "settlement")
    await run_jobs(app)
    path = f"/transactions/{order['transaction_id']}/refund"
    for amount in ("1e30", "NaN", "-Infinity", "1e-30", "-0", "999999999999.995", "250000.001"):
        response = await client.post(path, json={"amount": amount, "reason": "x"}, headers=admin.keyed())
        assert response.status_code == 422, (amount, response.text)
        assert response.json()["type"].endswith("/validation-error"), amount
    assert payments.calls.count("refund") == 0
    assert (await get(client, buyer, f"/transactions/{order['transaction_id']}"))["refunded_amount"] == "0.00"


async def test_a_payment_event_whose_timestamp_header_is_a_non_ascii_digit_is_401(
    client: httpx.AsyncClient, people: People
) -> None:
    order, payment = await book_and_pay(client, people.make())
    body, headers, _ = payment_event(payment["id"], "paid", "settlement")
    raw = {name.encode(): value.encode() for name, value in headers.items()}
    raw[b"X-TiketQ-Timestamp"] = b"\xb2"  # Latin-1 "²": str.isdigit() accepts it, int() does not
    response = await client.post("/webhooks/payment", content=body, headers=raw)
    assert response.status_code == 401
    assert response.json()["type"].endswith("/invalid-signature")
    # Nothing was applied: the order is still waiting for its payment.
    assert (await get(client, people.make("admin"), f"/orders/{order['id']}"))["status"] == "CONFIRMED"
