"""Hotels end to end through the gateway, with real processes and the sandbox's Hotelbeds and
Midtrans: search Ubud for two nights for two adults and a child of 7, book a refundable rate, pay
on the payment page, get a voucher with the supplier's reference; a price that changed at the
re-check; a room sold out after payment (refunded automatically); cancellation inside and outside
the free period; a failing or garbled supplier."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from devstack.stack import Stack
from tests.money import act_on_payment_page, start_payment, wait_for_order
from tests.support import Account

GUESTS = {
    "guests": [{"first_name": "Siti", "last_name": "Rahayu"}, {"first_name": "Budi", "last_name": "Santoso"}],
    "contact": {"email": "siti.rahayu@example.co.id", "phone": "0812-3456-7890"},
    "special_requests": "Quiet room, late arrival",
}


@pytest.fixture
def sandbox(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("sandbox"), timeout=10) as client:
        client.post("/sandbox/reset").raise_for_status()
        yield client
        client.post("/sandbox/reset").raise_for_status()


@pytest.fixture
def hotels(stack: Stack) -> Iterator[httpx.Client]:
    """hotels-service's internal booking contract, as transaction-service calls it."""
    with httpx.Client(
        base_url=stack.url("hotels"), headers={"X-Internal-Token": stack.internal_token}, timeout=10
    ) as client:
        yield client


def search(gateway: httpx.Client, days_ahead: int, nights: int = 2, **params: Any) -> dict[str, Any]:
    check_in = date.today() + timedelta(days=days_ahead)
    query = {
        "destination": "DPS-4",
        "check_in": check_in.isoformat(),
        "check_out": (check_in + timedelta(days=nights)).isoformat(),
        "adults": 2,
        "children": 1,
        "child_ages": "7",
        **params,
    }
    response = gateway.get("/hotels/search", params=query, timeout=30)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def offer_of(found: dict[str, Any], hotel_id: str, refundable: bool = True) -> dict[str, Any]:
    hotel = next(h for h in found["hotels"] if h["hotel_id"] == hotel_id)
    offer: dict[str, Any] = next(o for o in hotel["offers"] if o["refundable"] is refundable)
    return offer


def place(gateway: httpx.Client, account: Account, offer_id: str) -> httpx.Response:
    return gateway.post(
        "/orders/",
        json={"service_type": "hotel", "offer_id": offer_id, "booking_details": GUESTS},
        headers={**account.headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )


def pay(gateway: httpx.Client, account: Account, placed: dict[str, Any]) -> None:
    payment = start_payment(gateway, account, placed["transaction_id"])
    act_on_payment_page(payment["redirect_url"], "pay", payment_type="bank_transfer", bank="bca")


def test_search_book_a_refundable_rate_pay_and_get_a_voucher(
    gateway: httpx.Client, new_account: Any, sandbox: httpx.Client
) -> None:
    found = search(gateway, 52)
    assert found["total"] >= 3
    hotel = next(h for h in found["hotels"] if h["hotel_id"] == "612002")
    assert hotel["name"] == "Alaya Ubud Sawah"
    assert hotel["location"]["utc_offset"] == "+08:00"
    boards = {o["board"] for o in hotel["offers"]}
    assert boards == {"RO", "BB", "HB"}
    offer = offer_of(found, "612002")
    assert offer["cancellation_policies"][0]["from"].endswith("+08:00")
    buyer: Account = new_account()
    placed = place(gateway, buyer, offer["offer_id"])
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert Decimal(order["total_amount"]) == Decimal(offer["total_price"])
    pay(gateway, buyer, order)
    done = wait_for_order(gateway, buyer, order["id"], "COMPLETED")
    [voucher] = done["booking"]["documents"]
    assert voucher["kind"] == "hotel-voucher"
    assert voucher["reference"].startswith("102-")
    assert voucher["reference"] == done["booking"]["supplier_reference"]
    assert voucher["fields"]["hotel"] == "Alaya Ubud Sawah"
    assert voucher["fields"]["guests"] == "Siti Rahayu, Budi Santoso"
    assert voucher["fields"]["occupancy"] == "2 adults, 1 child (age 7)"
    assert voucher["fields"]["cancellation_policy"].startswith("Free cancellation until")


def test_a_price_changed_at_the_recheck_is_shown_and_never_charged_silently(
    gateway: httpx.Client, new_account: Any, sandbox: httpx.Client
) -> None:
    offer = offer_of(search(gateway, 53), "612003")
    sandbox.put("/sandbox/knobs/hotelbeds", json={"price_change_pct": 10}).raise_for_status()
    buyer: Account = new_account()
    refused = place(gateway, buyer, offer["offer_id"])
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["type"].endswith("/price-changed")
    assert Decimal(problem["total_price"]) > Decimal(offer["total_price"])
    accepted = place(gateway, buyer, offer["offer_id"])  # a new key accepts the new price
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["total_amount"] == problem["total_price"]


def test_a_room_sold_out_after_payment_is_refunded_automatically(
    gateway: httpx.Client, new_account: Any, sandbox: httpx.Client
) -> None:
    offer = offer_of(search(gateway, 54), "612003")
    buyer: Account = new_account()
    placed = place(gateway, buyer, offer["offer_id"])
    assert placed.status_code == 201, placed.text
    order = placed.json()
    sandbox.put("/sandbox/knobs/hotelbeds", json={"hold_failure_rate": 1.0}).raise_for_status()
    pay(gateway, buyer, order)
    cancelled = wait_for_order(gateway, buyer, order["id"], "CANCELLED", timeout=45)
    assert cancelled["booking"]["status"] == "failed"
    assert "no room left" in cancelled["booking"]["failure_reason"]
    assert cancelled["booking"]["documents"] == []
    transaction = gateway.get(f"/transactions/{order['transaction_id']}", headers=buyer.headers).json()
    assert transaction["status"] == "REFUNDED"
    assert Decimal(transaction["refunded_amount"]) == Decimal(offer["total_price"])


def paid_booking(gateway: httpx.Client, buyer: Account, offer: dict[str, Any]) -> dict[str, Any]:
    placed = place(gateway, buyer, offer["offer_id"])
    assert placed.status_code == 201, placed.text
    pay(gateway, buyer, placed.json())
    return wait_for_order(gateway, buyer, placed.json()["id"], "COMPLETED")


@pytest.mark.parametrize(("days_ahead", "free"), [(56, True), (2, False)])
def test_cancelling_a_stay_refunds_what_the_policy_allows(
    gateway: httpx.Client,
    new_account: Any,
    admin: Account,
    sandbox: httpx.Client,
    hotels: httpx.Client,
    days_ahead: int,
    free: bool,
) -> None:
    """Alaya Ubud Sawah cancels free until four days before arrival (23:59 WITA), then costs the
    first night: booked 56 days ahead the supplier refunds everything, booked for the day after
    tomorrow it keeps one night."""
    offer = offer_of(search(gateway, days_ahead), "612002")
    buyer: Account = new_account()
    done = paid_booking(gateway, buyer, offer)
    first_night = Decimal(offer["nightly_prices"][0]["price"])
    refund = gateway.post(
        f"/transactions/{done['transaction_id']}/refund",
        json={"reason": "guest cancelled the stay"},
        headers={**admin.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert refund.status_code == 201, refund.text
    reference = done["booking_reference"]
    booking: dict[str, Any] = {}
    for _ in range(150):
        booking = hotels.get(f"/internal/bookings/{reference}").json()
        if booking["status"] == "cancelled":
            break
        time.sleep(0.2)
    assert booking["status"] == "cancelled"
    expected = Decimal(offer["total_price"]) - (0 if free else first_night)
    assert Decimal(booking["refund_amount"]) == expected
    assert booking["documents"], "the voucher stays listed (void) after the cancel"


def test_a_failing_or_garbled_supplier_is_503_not_a_crash(
    gateway: httpx.Client, sandbox: httpx.Client
) -> None:
    check_in = date.today() + timedelta(days=57)
    query: dict[str, str | int] = {
        "destination": "DPS-2",
        "check_in": check_in.isoformat(),
        "check_out": (check_in + timedelta(days=1)).isoformat(),
        "adults": 1,
    }
    for knob in ("error_rate", "malformed_rate"):
        sandbox.put("/sandbox/knobs/hotelbeds", json={knob: 1.0}).raise_for_status()
        response = gateway.get("/hotels/search", params=query, timeout=30)
        assert response.status_code == 503, response.text
        assert response.json()["type"].endswith("/supplier-unavailable")
        sandbox.post("/sandbox/reset").raise_for_status()
    assert gateway.get("/hotels/search", params=query, timeout=30).status_code == 200


def test_invalid_searches_are_422_with_field_errors(gateway: httpx.Client) -> None:
    response = gateway.get(
        "/hotels/search",
        params={"destination": "DPS-4", "check_in": "2020-01-01", "check_out": "2020-03-01", "children": 1},
    )
    assert response.status_code == 422
    fields = {e["loc"][-1] for e in response.json()["errors"]}
    assert fields == {"check_in", "check_out", "child_ages"}


@pytest.mark.parametrize(("answer", "final"), [("confirm", "COMPLETED"), ("refuse", "CANCELLED")])
def test_an_on_request_villa_waits_for_the_hotel_then_completes_or_is_refunded(
    gateway: httpx.Client, new_account: Any, sandbox: httpx.Client, answer: str, final: str
) -> None:
    """Villa Tegallalang Terraces confirms by hand: the paid order waits (booking pending) until
    the hotelier answers; a refusal refunds the payer in full."""
    found = search(gateway, 58 if answer == "confirm" else 59)
    villa = next(o for h in found["hotels"] if h["hotel_id"] == "612004" for o in h["offers"])
    assert villa["on_request"] is True
    buyer: Account = new_account()
    placed = place(gateway, buyer, villa["offer_id"])
    assert placed.status_code == 201, placed.text
    order = placed.json()
    pay(gateway, buyer, order)
    waiting = wait_for_order(gateway, buyer, order["id"], "PAID")
    deadline = time.monotonic() + 30
    while waiting["booking"]["status"] != "pending":
        assert time.monotonic() < deadline, waiting
        time.sleep(0.2)
        waiting = gateway.get(f"/orders/{order['id']}", headers=buyer.headers).json()
    reference = waiting["booking"]["supplier_reference"]
    sandbox.post(f"/sandbox/hotelbeds/bookings/{reference}/{answer}").raise_for_status()
    done = wait_for_order(gateway, buyer, order["id"], final, timeout=90)
    if final == "COMPLETED":
        assert done["booking"]["documents"][0]["reference"] == reference
    else:
        assert "did not confirm" in done["booking"]["failure_reason"]
        transaction = gateway.get(f"/transactions/{order['transaction_id']}", headers=buyer.headers).json()
        assert transaction["status"] == "REFUNDED"
