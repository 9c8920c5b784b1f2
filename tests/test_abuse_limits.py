"""Hostile or greedy use of the money path, through the gateway of the real platform: one
account cannot hold more than five unpaid orders, one client cannot re-price or ask for PPOB
quotes without end, and numbers or header bytes that are not what they claim are a 4xx, never
a 500."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from devstack.stack import Stack
from testkit.stack_runner import StackRunner
from tests.money import an_offer, cancel_order, order, place_order
from tests.support import Account, service_env


def test_a_sixth_unpaid_order_is_refused_until_one_is_cancelled(
    gateway: httpx.Client, new_account: Callable[[], Account]
) -> None:
    buyer = new_account()
    placed = [order(gateway, buyer) for _ in range(5)]
    offer = an_offer(gateway)
    refused = place_order(gateway, buyer, offer["offer_id"])
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/too-many-unpaid-orders")
    assert (refused.json()["limit"], refused.json()["unpaid_orders"]) == (5, 5)
    # Someone else orders as usual; and once one of the five is cancelled, so does the buyer. (A
    # Duffel offer is sold once, so the buyer's own try takes an offer of its own.)
    assert place_order(gateway, new_account(), offer["offer_id"]).status_code == 201
    assert cancel_order(gateway, buyer, placed[0]["id"]).status_code == 200
    assert place_order(gateway, buyer, an_offer(gateway)["offer_id"]).status_code == 201


def test_re_pricing_without_end_is_429_with_retry_after(
    stack_runner: StackRunner, gateway: httpx.Client
) -> None:
    with service_env(stack_runner, "flights", {"PRICE_CHECKS_PER_CLIENT": "3"}):
        offer = an_offer(gateway)
        path = f"/flights/offers/{offer['offer_id']}/price"
        allowed = [gateway.post(path, timeout=30).status_code for _ in range(3)]
        refused = gateway.post(path, timeout=30)
    assert allowed == [200, 200, 200]
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/too-many-price-checks")
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_endless_ppob_inquiries_are_429_with_retry_after(
    stack_runner: StackRunner, gateway: httpx.Client
) -> None:
    body = {"product_code": "pln100", "customer_no": "14234567890"}
    with service_env(stack_runner, "ppob", {"INQUIRIES_PER_CLIENT": "2"}):
        allowed = [gateway.post("/ppob/inquiries", json=body, timeout=30).status_code for _ in range(2)]
        refused = gateway.post("/ppob/inquiries", json=body, timeout=30)
    assert allowed == [201, 201]
    assert refused.status_code == 429, refused.text
    assert refused.json()["type"].endswith("/too-many-inquiries")
    assert int(refused.headers["retry-after"]) >= 1


def test_a_refund_amount_that_is_no_bounded_number_is_422(
    gateway: httpx.Client, admin: Account, new_account: Callable[[], Account]
) -> None:
    placed = order(gateway, new_account())
    path = f"/transactions/{placed['transaction_id']}/refund"
    for amount in ("1e30", "NaN", "Infinity"):
        response = gateway.post(
            path,
            json={"amount": amount, "reason": "x"},
            headers={**admin.headers, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert response.status_code == 422, (amount, response.text)
        assert response.json()["type"].endswith("/validation-error")


def test_a_payment_event_timestamp_that_is_not_ascii_digits_is_401(stack: Stack) -> None:
    # Service to service (the gateway does not route it): transaction-service's own address.
    body = json.dumps(
        {
            "event_id": str(uuid.uuid4()),
            "topic": "payment.status_changed",
            "occurred_at": datetime.now(UTC).isoformat(),
            "data": {},
        }
    ).encode()
    for timestamp in (b"\xb2", str(int(time.time())).encode() + b"\xb2"):
        response = httpx.post(
            f"{stack.url('transaction')}/webhooks/payment",
            content=body,
            headers=[
                (b"content-type", b"application/json"),
                (b"x-tiketq-timestamp", timestamp),
                (b"x-tiketq-signature", b"v1=" + b"0" * 64),
            ],
        )
        assert response.status_code == 401, response.text
        assert response.json()["type"].endswith("/invalid-signature")
