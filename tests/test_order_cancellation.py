"""A customer cancels a paid order, end to end through the gateway with real processes, a real
PostgreSQL and the sandbox's ferry operator, Hotelbeds and Midtrans: the product cancels the
booking first, and the payer is refunded what its cancellation policy allows (a ferry more than
24 h before departure: 75 %; a hotel stay inside its free period: everything; a non-refundable
rate: nothing, the order cancelled all the same). Someone else's order answers 404.

Dates and routes of their own (a ferry 31 days ahead, hotel stays 44 and 45 days ahead), so the
search caches of the other journeys never hand these tests their offers."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from devstack.stack import Stack
from tests.money import (
    act_on_payment_page,
    cancel_order,
    start_payment,
    wait_for_order,
    wait_for_refunded,
)
from tests.support import Account

CONTACT = {"email": "dewi.lestari@example.co.id", "phone": "0813-2222-4444"}
GUESTS = {
    "guests": [{"first_name": "Dewi", "last_name": "Lestari"}, {"first_name": "Agus", "last_name": "Wijaya"}],
    "contact": CONTACT,
}


@pytest.fixture
def sandbox(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("sandbox"), timeout=10) as client:
        client.post("/sandbox/reset").raise_for_status()
        yield client
        client.post("/sandbox/reset").raise_for_status()


@pytest.fixture
def midtrans(stack: Stack) -> Iterator[httpx.Client]:
    """The sandbox's Midtrans Core API, signed in as the merchant."""
    basic = base64.b64encode(f"{stack.midtrans_server_key}:".encode()).decode()
    with httpx.Client(
        base_url=f"{stack.url('sandbox')}/midtrans", headers={"Authorization": f"Basic {basic}"}, timeout=10
    ) as client:
        yield client


def day(days_ahead: int) -> str:
    return (date.today() + timedelta(days=days_ahead)).isoformat()


def paid_and_completed(
    gateway: httpx.Client, buyer: Account, body: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    """Ordered, paid on the Midtrans page, issued: the COMPLETED order and the payment's id."""
    placed = gateway.post(
        "/orders/", json=body, headers={**buyer.headers, "Idempotency-Key": str(uuid.uuid4())}, timeout=30
    )
    assert placed.status_code == 201, placed.text
    payment = start_payment(gateway, buyer, placed.json()["transaction_id"])
    act_on_payment_page(payment["redirect_url"], "pay", payment_type="bank_transfer", bank="bni")
    return wait_for_order(gateway, buyer, placed.json()["id"], "COMPLETED", timeout=45), str(payment["id"])


def a_ferry(gateway: httpx.Client) -> dict[str, Any]:
    query: dict[str, str | int] = {
        "origin": "KTP",
        "destination": "GLM",
        "departure_date": day(31),
        "adults": 1,
    }
    response = gateway.get("/ferries/search", params=query, timeout=30)
    assert response.status_code == 200, response.text
    offers: list[dict[str, Any]] = response.json()["offers"]
    assert offers, response.text
    return offers[4]


def a_stay(gateway: httpx.Client, days_ahead: int, hotel_id: str, refundable: bool) -> dict[str, Any]:
    query: dict[str, str | int] = {
        "destination": "DPS-4",
        "check_in": day(days_ahead),
        "check_out": day(days_ahead + 2),
        "adults": 2,
    }
    response = gateway.get("/hotels/search", params=query, timeout=30)
    assert response.status_code == 200, response.text
    hotel = next(h for h in response.json()["hotels"] if h["hotel_id"] == hotel_id)
    offer: dict[str, Any] = next(o for o in hotel["offers"] if o["refundable"] is refundable)
    return offer


def test_a_ferry_cancelled_more_than_a_day_ahead_refunds_75_percent(
    gateway: httpx.Client, new_account: Any, sandbox: httpx.Client, midtrans: httpx.Client
) -> None:
    buyer: Account = new_account()
    offer = a_ferry(gateway)
    passengers = [{"type": "adult", "first_name": "Dewi", "last_name": "Lestari"}]
    body = {
        "service_type": "ferry",
        "offer_id": offer["offer_id"],
        "booking_details": {"passengers": passengers, "contact": CONTACT},
    }
    done, payment_id = paid_and_completed(gateway, buyer, body)
    total = Decimal(done["total_amount"])
    expected = total * Decimal("0.75")
    assert expected == expected.to_integral_value()  # whole rupiah: no rounding in this case

    cancelled = cancel_order(gateway, buyer, done["id"], reason="plans changed")
    assert cancelled.status_code == 200, cancelled.text
    order = cancelled.json()
    assert order["status"] == "CANCELLED"
    assert (order["booking"]["status"], Decimal(order["booking"]["refund_amount"])) == ("cancelled", expected)
    assert order["failure_reason"].startswith("plans changed; refund Rp")
    assert order["failure_reason"].endswith(" per the supplier's cancellation policy")

    tx = wait_for_refunded(gateway, buyer, done["transaction_id"], f"{expected:.2f}")
    assert tx["status"] == "COMPLETED"  # the operator kept 25 %: not everything was refunded
    status = midtrans.get(f"/v2/{payment_id}/status").json()
    assert status["transaction_status"] == "partial_refund"
    assert [(r["refund_key"], Decimal(r["refund_amount"])) for r in status["refunds"]] == [
        (f"cancel-{payment_id}", expected)
    ]
    # Cancelling again (another key) is refused: the order is over, nothing is refunded twice.
    again = cancel_order(gateway, buyer, done["id"])
    assert again.status_code == 409, again.text
    assert len(midtrans.get(f"/v2/{payment_id}/status").json()["refunds"]) == 1


def test_a_hotel_stay_cancelled_inside_its_free_period_is_refunded_in_full(
    gateway: httpx.Client, new_account: Any, sandbox: httpx.Client, midtrans: httpx.Client
) -> None:
    buyer: Account = new_account()
    offer = a_stay(gateway, 44, "612002", refundable=True)
    body = {"service_type": "hotel", "offer_id": offer["offer_id"], "booking_details": GUESTS}
    done, payment_id = paid_and_completed(gateway, buyer, body)
    cancelled = cancel_order(gateway, buyer, done["id"])
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["booking"]["refund_amount"] == done["total_amount"]
    tx = wait_for_refunded(gateway, buyer, done["transaction_id"], done["total_amount"])
    assert tx["status"] == "REFUNDED"
    assert midtrans.get(f"/v2/{payment_id}/status").json()["transaction_status"] == "refund"
    assert wait_for_order(gateway, buyer, done["id"], "CANCELLED")["booking"]["status"] == "cancelled"


def test_a_non_refundable_rate_is_cancelled_with_nothing_refunded(
    gateway: httpx.Client, new_account: Any, sandbox: httpx.Client, midtrans: httpx.Client
) -> None:
    buyer: Account = new_account()
    offer = a_stay(gateway, 45, "612003", refundable=False)
    body = {"service_type": "hotel", "offer_id": offer["offer_id"], "booking_details": GUESTS}
    done, payment_id = paid_and_completed(gateway, buyer, body)
    cancelled = cancel_order(gateway, buyer, done["id"])
    assert cancelled.status_code == 200, cancelled.text
    order = cancelled.json()
    assert (order["status"], order["booking"]["status"], order["booking"]["refund_amount"]) == (
        "CANCELLED",
        "cancelled",
        "0.00",
    )
    assert order["failure_reason"] == (
        "cancelled by the customer; no refund under the supplier's cancellation policy"
    )
    tx = gateway.get(f"/transactions/{done['transaction_id']}", headers=buyer.headers).json()
    assert (tx["status"], tx["refunded_amount"]) == ("COMPLETED", "0.00")
    assert midtrans.get(f"/v2/{payment_id}/status").json()["transaction_status"] == "settlement"


def test_someone_elses_order_cannot_be_cancelled(
    gateway: httpx.Client, new_account: Any, sandbox: httpx.Client
) -> None:
    buyer: Account = new_account()
    stranger: Account = new_account()
    offer = a_stay(gateway, 44, "612003", refundable=True)
    placed = gateway.post(
        "/orders/",
        json={"service_type": "hotel", "offer_id": offer["offer_id"], "booking_details": GUESTS},
        headers={**buyer.headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert placed.status_code == 201, placed.text
    refused = cancel_order(gateway, stranger, placed.json()["id"])
    assert refused.status_code == 404, refused.text
    assert refused.json()["type"].endswith("/order-not-found")
    untouched = gateway.get(f"/orders/{placed.json()['id']}", headers=buyer.headers).json()
    assert untouched["status"] == "CONFIRMED"
    anonymous = gateway.post(
        f"/orders/{placed.json()['id']}/cancel", headers={"Idempotency-Key": str(uuid.uuid4())}
    )
    assert anonymous.status_code == 401
    mine = cancel_order(gateway, buyer, placed.json()["id"])
    assert (mine.status_code, mine.json()["status"]) == (200, "CANCELLED")
