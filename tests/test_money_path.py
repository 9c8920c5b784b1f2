"""The money path through the gateway with real processes, a real PostgreSQL and the sandbox's
Midtrans: search → order → pay on the payment page → PAID → COMPLETED with e-tickets, the deny and
expire paths, refunds, ownership, and notifications that come twice, late, forged, or while a
service is down (the money path and events in docs/architecture.md; the order's booking as
docs/booking-contract.md describes it)."""

from __future__ import annotations

import base64
import concurrent.futures
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from devstack.stack import Stack
from testkit.stack_runner import StackRunner
from tests.money import (
    act_on_payment_page,
    an_offer,
    order,
    place_order,
    signature_key,
    start_payment,
    wait_for_order,
)
from tests.support import Account, service_env


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


def paid_order(gateway: httpx.Client, account: Account) -> tuple[dict[str, Any], dict[str, Any]]:
    placed = order(gateway, account)
    payment = start_payment(gateway, account, placed["transaction_id"])
    act_on_payment_page(payment["redirect_url"], "pay", payment_type="bank_transfer", bank="bca")
    return wait_for_order(gateway, account, placed["id"], "COMPLETED"), payment


def test_search_order_pay_and_the_order_completes_with_e_tickets(
    gateway: httpx.Client, new_account: Any, sandbox: httpx.Client, midtrans: httpx.Client
) -> None:
    buyer: Account = new_account()
    offer = an_offer(gateway)
    key = str(uuid.uuid4())
    placed = place_order(gateway, buyer, offer["offer_id"], key)
    assert placed.status_code == 201, placed.text
    created = placed.json()
    assert created["status"] == "CONFIRMED"
    assert created["currency"] == "IDR"
    assert Decimal(created["total_amount"]) == Decimal(offer["total_price"])
    assert created["order_number"]
    # What is bought is the product's quote: its lines add up to the total.
    lines = created["line_items"]
    assert lines
    assert sum(Decimal(i["unit_price"]) * i["quantity"] for i in lines) == Decimal(created["total_amount"])
    assert created["booking"]["status"] == "held"
    assert created["booking"]["holds_inventory"] is True
    # The same Idempotency-Key replays the order instead of holding a second seat.
    replay = place_order(gateway, buyer, offer["offer_id"], key)
    assert replay.status_code == 201
    assert replay.json()["id"] == created["id"]

    payment = start_payment(gateway, buyer, created["transaction_id"])
    assert payment["status"] == "PENDING"
    assert payment["token"]
    page = httpx.get(payment["redirect_url"], timeout=10)
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert (
        gateway.get(f"/transactions/{created['transaction_id']}", headers=buyer.headers).json()["status"]
        == "PROCESSING"
    )

    act_on_payment_page(payment["redirect_url"], "pay", payment_type="bank_transfer", bank="bca")
    done = wait_for_order(gateway, buyer, created["id"], "COMPLETED")
    assert done["booking"]["status"] == "issued"
    tickets = done["booking"]["documents"]
    assert len(tickets) == 1
    assert tickets[0]["kind"] == "e-ticket"
    assert tickets[0]["reference"]
    transaction = gateway.get(f"/transactions/{created['transaction_id']}", headers=buyer.headers).json()
    assert transaction["status"] == "COMPLETED"
    assert Decimal(transaction["amount"]) == Decimal(created["total_amount"])
    paid = gateway.get(f"/payments/{payment['id']}", headers=buyer.headers).json()
    assert paid["status"] == "PAID"
    # Midtrans agrees: the charge of this payment settled for exactly the order's amount.
    status = midtrans.get(f"/v2/{payment['id']}/status").json()
    assert status["transaction_status"] == "settlement"
    assert Decimal(status["gross_amount"]) == Decimal(created["total_amount"])


def test_a_buyer_holding_the_order_s_etag_is_answered_when_it_changes_instead_of_polling(
    gateway: httpx.Client, new_account: Any, sandbox: httpx.Client
) -> None:
    buyer: Account = new_account()
    placed = order(gateway, buyer)
    payment = start_payment(gateway, buyer, placed["transaction_id"])
    path = f"/orders/{placed['id']}"
    etag = gateway.get(path, headers=buyer.headers).headers["etag"]
    unchanged = gateway.get(path, headers={**buyer.headers, "If-None-Match": etag})
    assert unchanged.status_code == 304
    assert unchanged.headers["etag"] == etag
    assert unchanged.content == b""

    act_on_payment_page(payment["redirect_url"], "pay", payment_type="bank_transfer", bank="bca")
    seen: list[str] = []
    for _ in range(6):  # CONFIRMED → PAID → COMPLETED: a held request per change, not a poll per 200 ms
        held = gateway.get(
            path, headers={**buyer.headers, "If-None-Match": etag, "Prefer": "wait=5"}, timeout=15
        )
        assert held.status_code in (200, 304), held.text
        assert held.headers["preference-applied"] == "wait=5"
        etag = held.headers["etag"]
        if held.status_code == 200:
            seen.append(held.json()["status"])
            if seen[-1] == "COMPLETED":
                break
    assert seen[-1:] == ["COMPLETED"], seen
    assert held.json()["booking"]["documents"]


@pytest.mark.parametrize(("action", "transaction_status"), [("deny", "FAILED"), ("expire", "FAILED")])
def test_a_denied_or_expired_payment_cancels_the_order_and_releases_the_hold(
    gateway: httpx.Client,
    stack: Stack,
    new_account: Any,
    sandbox: httpx.Client,
    action: str,
    transaction_status: str,
) -> None:
    buyer: Account = new_account()
    placed = order(gateway, buyer)
    payment = start_payment(gateway, buyer, placed["transaction_id"])
    act_on_payment_page(payment["redirect_url"], action, payment_type="credit_card")
    cancelled = wait_for_order(gateway, buyer, placed["id"], "CANCELLED")
    transaction = gateway.get(f"/transactions/{placed['transaction_id']}", headers=buyer.headers).json()
    assert transaction["status"] == transaction_status
    # The hold is released at the supplier.
    booking_reference = cancelled["booking_reference"]
    flights = httpx.Client(base_url=stack.url("flights"), headers={"X-Internal-Token": stack.internal_token})
    deadline = time.monotonic() + 15
    while flights.get(f"/internal/bookings/{booking_reference}").json()["status"] != "cancelled":
        assert time.monotonic() < deadline, "the hold was not released"
        time.sleep(0.2)


def booking_status(stack: Stack, booking_reference: str) -> str:
    with httpx.Client(
        base_url=stack.url("flights"), headers={"X-Internal-Token": stack.internal_token}, timeout=10
    ) as flights:
        response = flights.get(f"/internal/bookings/{booking_reference}")
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


def test_admin_refunds_partially_then_fully_and_users_cannot(
    gateway: httpx.Client,
    stack: Stack,
    admin: Account,
    new_account: Any,
    sandbox: httpx.Client,
    midtrans: httpx.Client,
) -> None:
    buyer: Account = new_account()
    done, payment = paid_order(gateway, buyer)
    transaction_id = done["transaction_id"]
    total = Decimal(done["total_amount"])
    part = (total / 4).quantize(Decimal("1"))

    refused = gateway.post(
        f"/transactions/{transaction_id}/refund",
        json={"amount": str(part), "reason": "I changed my mind"},
        headers={**buyer.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert refused.status_code == 403, refused.text

    key = str(uuid.uuid4())
    partial = gateway.post(
        f"/transactions/{transaction_id}/refund",
        json={"amount": f"{part}.00", "reason": "schedule change: partial goodwill refund"},
        headers={**admin.headers, "Idempotency-Key": key},
    )
    assert partial.status_code == 201, partial.text
    again = gateway.post(
        f"/transactions/{transaction_id}/refund",
        json={"amount": f"{part}.00", "reason": "schedule change: partial goodwill refund"},
        headers={**admin.headers, "Idempotency-Key": key},
    )
    assert again.status_code == 201
    assert again.json() == partial.json()
    after_partial = gateway.get(f"/transactions/{transaction_id}", headers=buyer.headers).json()
    assert after_partial["status"] == "COMPLETED"
    assert Decimal(after_partial["refunded_amount"]) == part
    # A partial refund keeps the sale: the tickets stay valid at the supplier.
    assert booking_status(stack, done["booking_reference"]) == "issued"

    too_much = gateway.post(
        f"/transactions/{transaction_id}/refund",
        json={"amount": str(total), "reason": "more than is left"},
        headers={**admin.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert too_much.status_code == 422, too_much.text

    rest = gateway.post(
        f"/transactions/{transaction_id}/refund",
        json={"reason": "flight cancelled by the airline"},
        headers={**admin.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert rest.status_code == 201, rest.text
    refunded = gateway.get(f"/transactions/{transaction_id}", headers=buyer.headers).json()
    assert refunded["status"] == "REFUNDED"
    assert Decimal(refunded["refunded_amount"]) == total
    status = midtrans.get(f"/v2/{payment['id']}/status").json()
    assert status["transaction_status"] == "refund"
    assert Decimal(status["refund_amount"]) == total
    # Refunded in full: the issued booking is cancelled at the supplier too.
    deadline = time.monotonic() + 15
    while booking_status(stack, done["booking_reference"]) != "cancelled":
        assert time.monotonic() < deadline, "the issued booking was not cancelled at the supplier"
        time.sleep(0.2)
    booking = gateway.get(f"/orders/{done['id']}", headers=buyer.headers).json()["booking"]
    deadline = time.monotonic() + 15
    while booking["status"] != "cancelled":
        assert time.monotonic() < deadline, "the order does not record the cancelled booking"
        time.sleep(0.2)
        booking = gateway.get(f"/orders/{done['id']}", headers=buyer.headers).json()["booking"]
    assert booking["documents"]  # kept, void now


def test_nobody_reads_or_pays_anothers_transaction(
    gateway: httpx.Client, new_account: Any, sandbox: httpx.Client
) -> None:
    owner: Account = new_account()
    stranger: Account = new_account()
    placed = order(gateway, owner)
    for path in (f"/transactions/{placed['transaction_id']}", f"/orders/{placed['id']}"):
        assert gateway.get(path, headers=stranger.headers).status_code == 404
        assert gateway.get(path).status_code == 401
    response = gateway.post(
        "/payments/",
        json={"transaction_id": placed["transaction_id"]},
        headers={**stranger.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 404
    listed = gateway.get("/transactions/", headers=stranger.headers).json()
    assert all(t["id"] != placed["transaction_id"] for t in listed["items"])


def test_fifty_concurrent_shuffled_copies_of_each_notification_change_state_once(
    gateway: httpx.Client, admin: Account, new_account: Any, sandbox: httpx.Client
) -> None:
    buyer: Account = new_account()
    knobs = {"duplicate_notifications": 49, "shuffle_notifications": True}
    sandbox.put("/sandbox/knobs/midtrans", json=knobs).raise_for_status()
    done, payment = paid_order(gateway, buyer)
    assert len(done["booking"]["documents"]) == 1
    # Every copy reached payment-service and was answered; none made a second charge or refund.
    deadline = time.monotonic() + 30
    while True:
        log = sandbox.get("/sandbox/midtrans/notifications", params={"order_id": payment["id"]}).json()
        attempts = log if isinstance(log, list) else log["items"]
        if len([a for a in attempts if a.get("transaction_status") == "settlement"]) >= 50:
            break
        assert time.monotonic() < deadline, attempts
        time.sleep(0.3)
    transaction = gateway.get(f"/transactions/{done['transaction_id']}", headers=admin.headers).json()
    assert transaction["status"] == "COMPLETED"
    assert Decimal(transaction["refunded_amount"]) == 0
    assert gateway.get(f"/payments/{payment['id']}", headers=buyer.headers).json()["status"] == "PAID"


def test_the_same_notification_posted_fifty_times_at_once_is_one_change(
    stack: Stack, gateway: httpx.Client, new_account: Any, sandbox: httpx.Client, midtrans: httpx.Client
) -> None:
    buyer: Account = new_account()
    done, payment = paid_order(gateway, buyer)
    # Replay Midtrans's own final notification (its status body carries the signature) and a stale
    # "pending" one, 50 times each, concurrently, through the public gateway.
    settled = midtrans.get(f"/v2/{payment['id']}/status").json()
    pending = {**settled, "transaction_status": "pending", "status_code": "201"}
    pending["signature_key"] = signature_key(
        pending["order_id"], "201", pending["gross_amount"], stack.midtrans_server_key
    )
    bodies = [settled, pending] * 50
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda b: gateway.post("/webhooks/midtrans", json=b).status_code, bodies))
    assert set(answers) <= {200}, answers
    after = gateway.get(f"/orders/{done['id']}", headers=buyer.headers).json()
    assert after["status"] == "COMPLETED"
    assert after["booking"]["documents"] == done["booking"]["documents"]
    assert gateway.get(f"/payments/{payment['id']}", headers=buyer.headers).json()["status"] == "PAID"


def test_forged_and_wrong_amount_notifications_change_nothing(
    stack: Stack, gateway: httpx.Client, new_account: Any, sandbox: httpx.Client
) -> None:
    buyer: Account = new_account()
    placed = order(gateway, buyer)
    payment = start_payment(gateway, buyer, placed["transaction_id"])
    amount = f"{Decimal(placed['total_amount']):.2f}"
    forged = {
        "order_id": payment["id"],
        "status_code": "200",
        "gross_amount": amount,
        "transaction_status": "settlement",
        "fraud_status": "accept",
        "payment_type": "bank_transfer",
        "transaction_id": str(uuid.uuid4()),
        "currency": "IDR",
        "signature_key": signature_key(payment["id"], "200", amount, "not-the-server-key"),
    }
    assert gateway.post("/webhooks/midtrans", json=forged).status_code == 401
    cheap = {**forged, "gross_amount": "10000.00"}
    cheap["signature_key"] = signature_key(payment["id"], "200", "10000.00", stack.midtrans_server_key)
    response = gateway.post("/webhooks/midtrans", json=cheap)
    assert 400 <= response.status_code < 500, response.text
    time.sleep(1.5)  # give a wrongly accepted event time to arrive, so that the checks below mean something
    assert gateway.get(f"/orders/{placed['id']}", headers=buyer.headers).json()["status"] == "CONFIRMED"
    assert gateway.get(f"/payments/{payment['id']}", headers=buyer.headers).json()["status"] == "PENDING"


def test_payment_service_killed_before_relaying_a_paid_event_still_completes_the_order(
    stack_runner: StackRunner, gateway: httpx.Client, new_account: Any, sandbox: httpx.Client
) -> None:
    buyer: Account = new_account()
    placed = order(gateway, buyer)
    with service_env(stack_runner, "payment", {"PAYMENT_EVENTS_RELAY_ENABLED": "false"}):
        payment = start_payment(gateway, buyer, placed["transaction_id"])
        act_on_payment_page(payment["redirect_url"], "pay", payment_type="gopay")
        # payment-service acknowledged Midtrans (the event is in its outbox) but relays nothing.
        deadline = time.monotonic() + 15
        while True:
            log = sandbox.get("/sandbox/midtrans/notifications", params={"order_id": payment["id"]}).json()
            attempts = log if isinstance(log, list) else log["items"]
            if any(
                a.get("transaction_status") == "settlement" and a.get("http_status") == 200 for a in attempts
            ):
                break
            assert time.monotonic() < deadline, attempts
            time.sleep(0.2)
        assert gateway.get(f"/orders/{placed['id']}", headers=buyer.headers).json()["status"] == "CONFIRMED"
    # Leaving the block kills that process and starts payment-service as configured: relay on.
    wait_for_order(gateway, buyer, placed["id"], "COMPLETED")


def test_events_wait_for_transaction_service_and_arrive_when_it_returns(
    stack_runner: StackRunner, gateway: httpx.Client, new_account: Any, sandbox: httpx.Client
) -> None:
    buyer: Account = new_account()
    placed = order(gateway, buyer)
    payment = start_payment(gateway, buyer, placed["transaction_id"])
    stack_runner.stop_service("transaction")
    try:
        act_on_payment_page(payment["redirect_url"], "pay", payment_type="qris")
        time.sleep(3)  # the relay tries, fails, and backs off
    finally:
        stack_runner.start_service("transaction")
    wait_for_order(gateway, buyer, placed["id"], "COMPLETED")


def test_reports_equal_sums_computed_from_the_rows(
    gateway: httpx.Client, admin: Account, new_account: Any
) -> None:
    buyer: Account = new_account()
    paid_order(gateway, buyer)
    today = date.today()
    # The e2e database is new for this run: a week back covers every row it holds.
    params = {
        "date_from": (today - timedelta(days=7)).isoformat(),
        "date_to": (today + timedelta(days=1)).isoformat(),
    }
    # Independently: every transaction, page by page, summed here.
    expected_count: dict[str, int] = defaultdict(int)
    expected_amount: dict[str, Decimal] = defaultdict(Decimal)
    offset = 0
    while True:
        page = gateway.get(
            "/transactions/", params={"limit": 100, "offset": offset}, headers=admin.headers
        ).json()
        for item in page["items"]:
            expected_count[item["status"]] += 1
            expected_amount[item["status"]] += Decimal(item["amount"])
        offset += len(page["items"])
        if offset >= page["total"] or not page["items"]:
            break
    report = gateway.get(
        "/reports/transactions", params={**params, "group_by": "status"}, headers=admin.headers
    )
    assert report.status_code == 200, report.text
    rows = {row["group"]: row for row in report.json()["rows"]}
    assert {g: r["count"] for g, r in rows.items()} == dict(expected_count)
    assert {g: Decimal(r["total_amount"]) for g, r in rows.items()} == dict(expected_amount)
    csv = gateway.get(
        "/reports/transactions",
        params={**params, "group_by": "status", "format": "csv"},
        headers=admin.headers,
    )
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert gateway.get("/reports/revenue", params=params, headers=buyer.headers).status_code == 403


def test_an_unpaid_order_whose_hold_expires_is_cancelled_and_its_charge_stopped(
    stack_runner: StackRunner, gateway: httpx.Client, new_account: Any, midtrans: httpx.Client
) -> None:
    buyer: Account = new_account()
    with (
        service_env(stack_runner, "sandbox", {"SANDBOX_HOLD_TTL_SECONDS": "6"}),
        service_env(stack_runner, "transaction", {"HOLD_SWEEP_INTERVAL_SECONDS": "1"}),
    ):
        placed = order(gateway, buyer)
        payment = start_payment(gateway, buyer, placed["transaction_id"])
        # The payer opens the page and picks a method, then never pays.
        act_on_payment_page(payment["redirect_url"], "choose", payment_type="bank_transfer", bank="bni")
        cancelled = wait_for_order(gateway, buyer, placed["id"], "CANCELLED", timeout=30)
        assert "hold" in (cancelled["failure_reason"] or "")
        transaction = gateway.get(f"/transactions/{placed['transaction_id']}", headers=buyer.headers).json()
        assert transaction["status"] == "FAILED"
        # The charge cannot be paid any more: Midtrans has it cancelled or expired.
        status = midtrans.get(f"/v2/{payment['id']}/status").json()
        assert status["transaction_status"] in {"cancel", "expire"}, status
        refused = httpx.post(
            f"{payment['redirect_url']}/pay",
            json={"payment_type": "gopay"},
            headers={"Accept": "application/json"},
            timeout=10,
        )
        assert refused.status_code == 409, refused.text
