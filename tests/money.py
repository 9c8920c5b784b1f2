"""What the money-path journeys share: finding an offer, ordering it, paying on the sandbox's
Midtrans page, and waiting for the order to settle into a state."""

from __future__ import annotations

import hashlib
import itertools
import time
import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from tests.support import Account

CONTACT = {"email": "budi.santoso@example.co.id", "phone": "081234567890"}


def passenger(n: int = 0) -> dict[str, Any]:
    return {
        "type": "adult",
        "title": "mr",
        "first_name": f"Budi{chr(ord('a') + n)}",
        "last_name": "Santoso",
        "date_of_birth": "1988-04-12",
    }


# flights-service caches searches for the whole session, and a cached search can hand out an offer
# that another test has already used or that a sandbox reset has since forgotten. Every journey
# therefore searches a departure day nobody else in this process searched (the flight files that
# need their own days keep below 90; bench and the fuzz and browser suites run stacks of their own).
_fresh_days = itertools.count(90)


def fresh_departure_day() -> int:
    """Days ahead of today that no other journey of this test process has searched."""
    return next(_fresh_days)


def an_offer(
    gateway: httpx.Client, days_ahead: int | None = None, destination: str = "DPS"
) -> dict[str, Any]:
    if days_ahead is None:
        days_ahead = fresh_departure_day()
    query: dict[str, str | int] = {
        "origin": "CGK",
        "destination": destination,
        "departure_date": (date.today() + timedelta(days=days_ahead)).isoformat(),
        "adults": 1,
    }
    response = gateway.get("/flights/search", params=query, timeout=30)
    assert response.status_code == 200, response.text
    offers: list[dict[str, Any]] = response.json()["offers"]
    assert offers, response.text
    return offers[0]


def place_order(
    gateway: httpx.Client, account: Account, offer_id: str, key: str | None = None
) -> httpx.Response:
    return gateway.post(
        "/orders/",
        json={
            "service_type": "flight",
            "offer_id": offer_id,
            "booking_details": {"passengers": [passenger()], "contact": CONTACT},
        },
        headers={**account.headers, "Idempotency-Key": key or str(uuid.uuid4())},
        timeout=30,
    )


def order(gateway: httpx.Client, account: Account, days_ahead: int | None = None) -> dict[str, Any]:
    response = place_order(gateway, account, an_offer(gateway, days_ahead)["offer_id"])
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def start_payment(gateway: httpx.Client, account: Account, transaction_id: str) -> dict[str, Any]:
    response = gateway.post(
        "/payments/",
        json={"transaction_id": transaction_id},
        headers={**account.headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def act_on_payment_page(redirect_url: str, action: str, **form: str) -> dict[str, Any]:
    """What a payer does on the Midtrans page: pay (with a method), deny or let it expire."""
    response = httpx.post(
        f"{redirect_url}/{action}", json=form, headers={"Accept": "application/json"}, timeout=15
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_for_order(
    gateway: httpx.Client, account: Account, order_id: str, status: str, timeout: float = 30.0
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = gateway.get(f"/orders/{order_id}", headers=account.headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] == status:
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"order {order_id} is {body['status']}, not {status}: {body}")
        time.sleep(0.2)


def signature_key(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{server_key}".encode()).hexdigest()


def cancel_order(
    gateway: httpx.Client, account: Account, order_id: str, key: str | None = None, reason: str | None = None
) -> httpx.Response:
    """The customer cancels an order (POST /orders/{id}/cancel); a paid one is refunded what the
    product's cancellation policy allows."""
    return gateway.post(
        f"/orders/{order_id}/cancel",
        json={"reason": reason} if reason else None,
        headers={**account.headers, "Idempotency-Key": key or str(uuid.uuid4())},
        timeout=30,
    )


def wait_for_refunded(
    gateway: httpx.Client, account: Account, transaction_id: str, amount: str, timeout: float = 30.0
) -> dict[str, Any]:
    """The transaction once its `refunded_amount` reads `amount` (refunds run on a work queue)."""
    deadline = time.monotonic() + timeout
    while True:
        response = gateway.get(f"/transactions/{transaction_id}", headers=account.headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["refunded_amount"] == amount:
            return body
        if time.monotonic() > deadline:
            refunded = body["refunded_amount"]
            raise AssertionError(f"transaction {transaction_id} refunded {refunded}, not {amount}")
        time.sleep(0.2)
