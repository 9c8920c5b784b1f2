"""Xendit as the second payment gateway, through the gateway with real processes, a real
PostgreSQL and the sandbox's Xendit: pay on the invoice page → COMPLETED; let it expire → the
hold released; forged and lying callbacks refused; refunds partial and full; the same callback
20 times → one change; Midtrans switched off by configuration while Xendit keeps taking payments
(docs/providers.md, Xendit; the money path in docs/architecture.md)."""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from devstack.stack import Stack
from testkit.stack_runner import StackRunner
from tests.money import order, wait_for_order
from tests.support import Account, service_env


@pytest.fixture
def sandbox(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("sandbox"), timeout=10) as client:
        client.post("/sandbox/reset").raise_for_status()
        yield client
        client.post("/sandbox/reset").raise_for_status()


@pytest.fixture
def xendit(stack: Stack) -> Iterator[httpx.Client]:
    """The sandbox's Xendit API, signed in with the account's secret key."""
    assert stack.secrets is not None
    key = stack.secrets.xendit_secret_key.read_text().strip()
    basic = base64.b64encode(f"{key}:".encode()).decode()
    with httpx.Client(
        base_url=f"{stack.url('sandbox')}/xendit", headers={"Authorization": f"Basic {basic}"}, timeout=10
    ) as client:
        yield client


def callback_token(stack: Stack) -> str:
    assert stack.secrets is not None
    return stack.secrets.xendit_callback_token.read_text().strip()


def start_payment(
    gateway: httpx.Client, account: Account, transaction_id: str, via: str | None = "xendit"
) -> httpx.Response:
    body: dict[str, Any] = {"transaction_id": transaction_id}
    if via is not None:
        body["gateway"] = via
    return gateway.post(
        "/payments/",
        json=body,
        headers={**account.headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )


def started(gateway: httpx.Client, account: Account, transaction_id: str, via: str | None = "xendit") -> Any:
    response = start_payment(gateway, account, transaction_id, via)
    assert response.status_code == 201, response.text
    return response.json()


def on_invoice_page(redirect_url: str, action: str, **form: str) -> dict[str, Any]:
    """What a payer does on Xendit's invoice page: pay (VA bank, e-wallet, QRIS) or let it expire."""
    response = httpx.post(
        f"{redirect_url}/{action}", json=form, headers={"Accept": "application/json"}, timeout=15
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def paid_with_xendit(gateway: httpx.Client, account: Account) -> tuple[Any, Any]:
    placed = order(gateway, account)
    payment = started(gateway, account, placed["transaction_id"])
    on_invoice_page(payment["redirect_url"], "pay", payment_method="BANK_TRANSFER", bank="BNI")
    return wait_for_order(gateway, account, placed["id"], "COMPLETED"), payment


def booking_status(stack: Stack, booking_reference: str) -> str:
    with httpx.Client(
        base_url=stack.url("flights"), headers={"X-Internal-Token": stack.internal_token}, timeout=10
    ) as flights:
        response = flights.get(f"/internal/bookings/{booking_reference}")
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


def test_paying_a_xendit_invoice_completes_the_order(
    gateway: httpx.Client, new_account: Any, sandbox: httpx.Client, xendit: httpx.Client
) -> None:
    buyer: Account = new_account()
    placed = order(gateway, buyer)
    payment = started(gateway, buyer, placed["transaction_id"])
    assert payment["gateway"] == "xendit"
    assert "/xendit/web/" in payment["redirect_url"]
    invoice_id = payment["token"]
    invoice = xendit.get(f"/v2/invoices/{invoice_id}").json()
    assert invoice["external_id"] == payment["id"]
    assert Decimal(invoice["amount"]) == Decimal(placed["total_amount"])
    assert invoice["status"] == "PENDING"
    page = httpx.get(payment["redirect_url"], timeout=10)
    assert page.status_code == 200
    assert "QRIS" in page.text

    paid = on_invoice_page(payment["redirect_url"], "pay", payment_method="EWALLET", ewallet="OVO")
    assert paid["status"] == "PAID"
    done = wait_for_order(gateway, buyer, placed["id"], "COMPLETED")
    assert done["booking"]["status"] == "issued"
    assert done["booking"]["documents"]
    after = gateway.get(f"/payments/{payment['id']}", headers=buyer.headers).json()
    assert after["status"] == "PAID"
    assert after["gateway"] == "xendit"
    transaction = gateway.get(f"/transactions/{placed['transaction_id']}", headers=buyer.headers).json()
    assert transaction["status"] == "COMPLETED"
    assert transaction["payment_gateway"] == "xendit"


def test_an_expired_invoice_cancels_the_order_and_releases_the_hold(
    gateway: httpx.Client, stack: Stack, new_account: Any, sandbox: httpx.Client
) -> None:
    buyer: Account = new_account()
    placed = order(gateway, buyer)
    payment = started(gateway, buyer, placed["transaction_id"])
    assert on_invoice_page(payment["redirect_url"], "expire")["status"] == "EXPIRED"
    cancelled = wait_for_order(gateway, buyer, placed["id"], "CANCELLED")
    transaction = gateway.get(f"/transactions/{placed['transaction_id']}", headers=buyer.headers).json()
    assert transaction["status"] == "FAILED"
    deadline = time.monotonic() + 15
    while booking_status(stack, cancelled["booking_reference"]) != "cancelled":
        assert time.monotonic() < deadline, "the hold was not released"
        time.sleep(0.2)


def test_forged_and_lying_callbacks_change_nothing(
    gateway: httpx.Client, stack: Stack, new_account: Any, sandbox: httpx.Client, xendit: httpx.Client
) -> None:
    buyer: Account = new_account()
    placed = order(gateway, buyer)
    payment = started(gateway, buyer, placed["transaction_id"])
    invoice = xendit.get(f"/v2/invoices/{payment['token']}").json()
    claim = {**invoice, "status": "PAID", "paid_amount": invoice["amount"], "payment_method": "QR_CODE",
             "payment_channel": "QRIS", "paid_at": "2026-12-04T08:00:00.000Z"}  # fmt: skip
    # Without the account's token: refused before anything is read.
    forged = gateway.post("/webhooks/xendit", json=claim, headers={"x-callback-token": "guess"})
    assert forged.status_code == 401, forged.text
    assert gateway.post("/webhooks/xendit", json=claim).status_code == 401
    # With the token (leaked, say) but claiming a payment Xendit never saw: Xendit is asked, says
    # PENDING, and nothing changes.
    token = {"x-callback-token": callback_token(stack)}
    assert gateway.post("/webhooks/xendit", json=claim, headers=token).status_code == 200
    # ... or a cheaper amount, or an amount that is not a number.
    cheap = gateway.post(
        "/webhooks/xendit", json={**claim, "amount": 10000, "paid_amount": 10000}, headers=token
    )
    assert cheap.status_code == 422, cheap.text
    nan = gateway.post("/webhooks/xendit", json={**claim, "amount": "NaN"}, headers=token)
    assert nan.status_code == 400, nan.text
    time.sleep(1.5)  # give a wrongly accepted event time to arrive, so that the checks below mean something
    assert gateway.get(f"/orders/{placed['id']}", headers=buyer.headers).json()["status"] == "CONFIRMED"
    assert gateway.get(f"/payments/{payment['id']}", headers=buyer.headers).json()["status"] == "PENDING"


def test_admin_refunds_a_xendit_payment_partially_then_fully(
    gateway: httpx.Client, stack: Stack, admin: Account, new_account: Any, sandbox: httpx.Client
) -> None:
    buyer: Account = new_account()
    done, payment = paid_with_xendit(gateway, buyer)
    transaction_id = done["transaction_id"]
    total = Decimal(done["total_amount"])
    part = (total / 4).quantize(Decimal("1"))
    partial = gateway.post(
        f"/transactions/{transaction_id}/refund",
        json={"amount": f"{part}.00", "reason": "schedule change: partial goodwill refund"},
        headers={**admin.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert partial.status_code == 201, partial.text
    after_partial = gateway.get(f"/transactions/{transaction_id}", headers=buyer.headers).json()
    assert after_partial["status"] == "COMPLETED"
    assert Decimal(after_partial["refunded_amount"]) == part
    rest = gateway.post(
        f"/transactions/{transaction_id}/refund",
        json={"reason": "flight cancelled by the airline"},
        headers={**admin.headers, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert rest.status_code == 201, rest.text
    refunded = gateway.get(f"/transactions/{transaction_id}", headers=buyer.headers).json()
    assert refunded["status"] == "REFUNDED"
    assert Decimal(refunded["refunded_amount"]) == total
    # Xendit agrees: the invoice's refunds add up to the order's amount, and they succeeded.
    invoices = sandbox.get("/sandbox/xendit/invoices", params={"external_id": payment["id"]}).json()["items"]
    assert [Decimal(i["refunded"]) for i in invoices] == [total]
    deadline = time.monotonic() + 15
    while True:
        log = sandbox.get("/sandbox/xendit/callbacks").json()["items"]
        succeeded = [e for e in log if e["status"] == "refund.succeeded" and e["http_status"] == 200]
        if len(succeeded) >= 2:
            break
        assert time.monotonic() < deadline, log
        time.sleep(0.2)
    deadline = time.monotonic() + 15
    while booking_status(stack, done["booking_reference"]) != "cancelled":
        assert time.monotonic() < deadline, "the issued booking was not cancelled at the supplier"
        time.sleep(0.2)


def test_the_same_callback_twenty_times_is_one_change(
    gateway: httpx.Client, admin: Account, new_account: Any, sandbox: httpx.Client
) -> None:
    buyer: Account = new_account()
    done, payment = paid_with_xendit(gateway, buyer)
    invoice_id = payment["token"]
    resent = sandbox.post(f"/sandbox/xendit/callbacks/{invoice_id}/resend", json={"copies": 20})
    assert resent.status_code == 200, resent.text
    deadline = time.monotonic() + 30
    while True:
        log = sandbox.get("/sandbox/xendit/callbacks", params={"key": invoice_id}).json()["items"]
        answered = [e for e in log if e["status"] == "PAID" and e["http_status"] == 200]
        if len(answered) >= 21:
            break
        assert time.monotonic() < deadline, log
        time.sleep(0.3)
    after = gateway.get(f"/orders/{done['id']}", headers=buyer.headers).json()
    assert after["status"] == "COMPLETED"
    assert after["booking"]["documents"] == done["booking"]["documents"]
    transaction = gateway.get(f"/transactions/{done['transaction_id']}", headers=admin.headers).json()
    assert transaction["status"] == "COMPLETED"
    assert Decimal(transaction["refunded_amount"]) == 0
    assert gateway.get(f"/payments/{payment['id']}", headers=buyer.headers).json()["status"] == "PAID"


def test_midtrans_switched_off_sends_new_payments_to_xendit(
    gateway: httpx.Client, stack_runner: StackRunner, new_account: Any, sandbox: httpx.Client
) -> None:
    buyer: Account = new_account()
    with service_env(stack_runner, "payment", {"MIDTRANS_ENABLED": "false"}):
        placed = order(gateway, buyer)
        asked = start_payment(gateway, buyer, placed["transaction_id"], via="midtrans")
        assert asked.status_code == 503, asked.text
        assert asked.json()["type"].endswith("/gateway-disabled")
        payment = started(gateway, buyer, placed["transaction_id"], via=None)
        assert payment["gateway"] == "xendit"
        assert "/xendit/web/" in payment["redirect_url"]
        on_invoice_page(payment["redirect_url"], "pay", payment_method="QR_CODE")
        done = wait_for_order(gateway, buyer, placed["id"], "COMPLETED")
    assert done["booking"]["documents"]
