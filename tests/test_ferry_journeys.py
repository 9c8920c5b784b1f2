"""Ferries end to end through the gateway, with real processes, a real PostgreSQL and the sandbox's
ferry operator and Midtrans: search (public) → POST /orders/ → pay on the payment page →
COMPLETED with an e-ticket and boarding code per passenger and per vehicle; a walk-on booking;
a full refund cancels the tickets at the operator with its refund; an unpaid hold lapses and
frees its space; two buyers race for the last seat; an operator-cancelled sailing refunds the
buyer in full; a slow or failing operator answers 503/504 without breaking anything."""

from __future__ import annotations

import concurrent.futures
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from devstack.stack import Stack
from testkit.stack_runner import StackRunner
from tests.money import act_on_payment_page, start_payment, wait_for_order
from tests.support import Account, service_env

CONTACT = {"email": "siti.rahayu@example.co.id", "phone": "0812-3456-7890"}


@pytest.fixture
def sandbox(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("sandbox"), timeout=10) as client:
        client.post("/sandbox/reset").raise_for_status()
        yield client
        client.post("/sandbox/reset").raise_for_status()


def day(days_ahead: int) -> str:
    return (date.today() + timedelta(days=days_ahead)).isoformat()


def search(gateway: httpx.Client, days_ahead: int, **params: Any) -> httpx.Response:
    query: dict[str, Any] = {
        "origin": "MRK",
        "destination": "BKH",
        "departure_date": day(days_ahead),
        "adults": 2,
    }
    query |= params
    return gateway.get("/ferries/search", params=query, timeout=30)


def offers(gateway: httpx.Client, days_ahead: int, **params: Any) -> list[dict[str, Any]]:
    response = search(gateway, days_ahead, **params)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["offers"]
    assert found, response.text
    return found


def passengers(adults: int, name: str = "Siti") -> list[dict[str, Any]]:
    return [
        {"type": "adult", "first_name": f"{name} {'ABCDEFGH'[i]}".strip(), "last_name": "Rahayu"}
        for i in range(adults)
    ]


def place(
    gateway: httpx.Client,
    buyer: Account,
    offer: dict[str, Any],
    *,
    vehicle: dict[str, str] | None = None,
    name: str = "Siti",
) -> httpx.Response:
    details: dict[str, Any] = {
        "passengers": passengers(offer["passengers"]["adults"], name),
        "contact": CONTACT,
    }
    if vehicle is not None:
        details["vehicle"] = vehicle
    return gateway.post(
        "/orders/",
        json={"service_type": "ferry", "offer_id": offer["offer_id"], "booking_details": details},
        headers={**buyer.headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )


def pay(gateway: httpx.Client, buyer: Account, placed: dict[str, Any]) -> dict[str, Any]:
    payment = start_payment(gateway, buyer, placed["transaction_id"])
    act_on_payment_page(payment["redirect_url"], "pay", payment_type="bank_transfer", bank="bca")
    return payment


def seats_left(sandbox: httpx.Client, sailing_id: str) -> int:
    response = sandbox.get(f"/sandbox/ferry/sailings/{sailing_id}")
    assert response.status_code == 200, response.text
    return int(response.json()["available"]["seats"])


def test_tomorrow_merak_to_bakauheni_two_adults_and_a_car_complete_with_boarding_codes(
    gateway: httpx.Client, new_account: Any, sandbox: httpx.Client
) -> None:
    buyer: Account = new_account()
    offer = offers(gateway, 1, vehicle_class="IVA", service_class="regular")[-1]
    assert offer["departure_at"].endswith("+07:00")
    assert offer["total_price"] == "481800.00"  # the car's fare carries its two passengers
    placed = place(gateway, buyer, offer, vehicle={"class": "IVA", "plate_number": "b1234xyz"})
    assert placed.status_code == 201, placed.text
    created = placed.json()
    assert created["status"] == "CONFIRMED"
    assert Decimal(created["total_amount"]) == Decimal("481800.00")
    assert created["booking_details"]["vehicle"] == {"class": "IVA", "plate_number": "B 1234 XYZ"}
    pay(gateway, buyer, created)
    done = wait_for_order(gateway, buyer, created["id"], "COMPLETED")
    documents = done["booking"]["documents"]
    assert [d["kind"] for d in documents] == ["e-ticket"] * 3
    assert [d["fields"].get("passenger") for d in documents] == ["Siti A Rahayu", "Siti B Rahayu", None]
    assert documents[2]["fields"]["plate_number"] == "B 1234 XYZ"
    assert len({d["fields"]["boarding_code"] for d in documents}) == 3
    assert all(d["fields"]["sailing"] == offer["sailing_id"] for d in documents)


def test_a_walk_on_booking_and_a_full_refund_cancel_the_tickets_at_the_operator(
    gateway: httpx.Client, new_account: Any, admin: Account, sandbox: httpx.Client
) -> None:
    buyer: Account = new_account()
    offer = offers(gateway, 21, origin="KTP", destination="GLM", adults=1)[5]
    assert offer["arrival_at"].endswith("+08:00")  # Gilimanuk is on WITA
    before = seats_left(sandbox, offer["sailing_id"])
    placed = place(gateway, buyer, offer)
    assert placed.status_code == 201, placed.text
    assert seats_left(sandbox, offer["sailing_id"]) == before - 1
    pay(gateway, buyer, placed.json())
    done = wait_for_order(gateway, buyer, placed.json()["id"], "COMPLETED")
    assert len(done["booking"]["documents"]) == 1
    refund = gateway.post(
        f"/transactions/{done['transaction_id']}/refund",
        json={"reason": "the traveller cannot sail"},
        headers={**admin.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert refund.status_code == 201, refund.text
    deadline = time.monotonic() + 20
    while True:
        booking = gateway.get(f"/orders/{done['id']}", headers=buyer.headers).json()["booking"]
        if booking["status"] == "cancelled":
            break
        assert time.monotonic() < deadline, booking
        time.sleep(0.3)
    assert booking["refund_amount"] == "8325.00"  # 75 % of Rp11,100, more than 24 h ahead
    assert seats_left(sandbox, offer["sailing_id"]) == before


def test_an_unpaid_hold_lapses_and_frees_its_space(
    stack_runner: StackRunner, gateway: httpx.Client, new_account: Any
) -> None:
    buyer: Account = new_account()
    with (
        service_env(stack_runner, "sandbox", {"SANDBOX_FERRY_HOLD_TTL_SECONDS": "5"}),
        service_env(stack_runner, "transaction", {"HOLD_SWEEP_INTERVAL_SECONDS": "1"}),
        httpx.Client(base_url=stack_runner.stack.url("sandbox"), timeout=10) as sandbox,
    ):
        offer = offers(gateway, 22, vehicle_class="II")[3]
        before = seats_left(sandbox, offer["sailing_id"])
        placed = place(gateway, buyer, offer, vehicle={"class": "II", "plate_number": "A 4411 KL"})
        assert placed.status_code == 201, placed.text
        assert seats_left(sandbox, offer["sailing_id"]) == before - 2
        cancelled = wait_for_order(gateway, buyer, placed.json()["id"], "CANCELLED", timeout=30)
        assert "hold" in (cancelled["failure_reason"] or "")
        assert seats_left(sandbox, offer["sailing_id"]) == before


def test_two_buyers_racing_for_the_last_seat_one_wins(
    gateway: httpx.Client, new_account: Any, sandbox: httpx.Client
) -> None:
    offer = offers(gateway, 23, adults=1)[7]
    sandbox.put(f"/sandbox/ferry/sailings/{offer['sailing_id']}/space", json={"seats": 1, "lane_meters": 0})
    buyers: list[Account] = [new_account(), new_account()]
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(
            pool.map(
                lambda b: place(gateway, b[1], offer, name=b[0]), zip(("Dewi", "Rina"), buyers, strict=True)
            )
        )
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    lost = next(a for a in answers if a.status_code == 409)
    assert lost.json()["type"].endswith("/sold-out")
    assert seats_left(sandbox, offer["sailing_id"]) == 0


def test_an_operator_cancelled_sailing_refunds_the_buyer_in_full(
    gateway: httpx.Client, new_account: Any, sandbox: httpx.Client
) -> None:
    buyer: Account = new_account()
    offer = offers(gateway, 24, adults=2, service_class="executive")[2]
    placed = place(gateway, buyer, offer)
    assert placed.status_code == 201, placed.text
    cancelled_sailing = sandbox.post(f"/sandbox/ferry/sailings/{offer['sailing_id']}/cancel")
    assert cancelled_sailing.json()["status"] == "CANCELLED"
    pay(gateway, buyer, placed.json())
    order = wait_for_order(gateway, buyer, placed.json()["id"], "CANCELLED", timeout=40)
    assert order["booking"]["status"] == "failed"
    assert "cancelled this sailing" in order["booking"]["failure_reason"]
    deadline = time.monotonic() + 20
    while True:
        transaction = gateway.get(f"/transactions/{order['transaction_id']}", headers=buyer.headers).json()
        if transaction["status"] == "REFUNDED":
            break
        assert time.monotonic() < deadline, transaction
        time.sleep(0.3)
    assert Decimal(transaction["refunded_amount"]) == Decimal(placed.json()["total_amount"])
    # A fresh search (another party: not the cached one) no longer offers the sailing.
    fresh = offers(gateway, 24, adults=1, service_class="executive")
    assert offer["sailing_id"] not in {o["sailing_id"] for o in fresh}


def test_a_failing_or_slow_operator_is_503_or_504_and_search_recovers(
    gateway: httpx.Client, sandbox: httpx.Client
) -> None:
    sandbox.put("/sandbox/knobs/ferry", json={"error_rate": 1})
    failing = search(gateway, 25, origin="PDB", destination="LBR", adults=1)
    assert failing.status_code == 503, failing.text
    assert failing.json()["type"].endswith("/supplier-unavailable")
    sandbox.put("/sandbox/knobs/ferry", json={"error_rate": 0, "latency_ms": 7000})
    started = time.monotonic()
    slow = search(gateway, 26, origin="PDB", destination="LBR", adults=1)
    assert slow.status_code == 504, slow.text
    assert time.monotonic() - started < 7
    sandbox.put("/sandbox/knobs/ferry", json={"latency_ms": 0})
    recovered = search(gateway, 25, origin="PDB", destination="LBR", adults=1)
    assert recovered.status_code == 200
    assert recovered.json()["offers"][0]["departure_at"].endswith("+08:00")


def test_bad_searches_are_422_with_field_errors_through_the_gateway(gateway: httpx.Client) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"origin": "XXX"}, "origin"),
        ({"destination": "GLM"}, "destination"),
        ({"departure_date": day(-1)}, "departure_date"),
        ({"departure_date": day(70)}, "departure_date"),
        ({"adults": 1, "infants": 2}, "infants"),
        ({"vehicle_class": "X"}, "vehicle_class"),
    ]
    for params, field in cases:
        response = search(gateway, 27, **params)
        assert response.status_code == 422, (params, response.text)
        assert field in [e["loc"][-1] for e in response.json()["errors"]], response.text
