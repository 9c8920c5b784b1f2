"""PPOB end to end through the gateway, the real services and the sandbox's Digiflazz: a
Telkomsel number sees only Telkomsel products; credit bought and paid on the Midtrans page
completes with its serial number; a PLN token after the meter owner's name and power; a
postpaid bill with its penalty and a receipt; purchases the biller refuses at once or later are
refunded by themselves; pending purchases end by callback or by status checks; forged callbacks
are refused and one callback delivered twenty times has one effect; a low deposit refuses orders
before payment. Outcomes follow the customer number's last digit (sandbox/README.md)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from devstack.stack import Stack
from testkit.stack_runner import StackRunner
from tests.money import act_on_payment_page, start_payment, wait_for_order
from tests.support import Account, service_env

CONTACT = {
    "email": "siti.rahayu@example.co.id",
    "phone": "0812-3456-7890",
    "first_name": "Siti",
    "last_name": "Rahayu",
}


@pytest.fixture
def sandbox(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("sandbox"), timeout=10) as client:
        client.post("/sandbox/reset").raise_for_status()
        yield client
        client.post("/sandbox/reset").raise_for_status()


@pytest.fixture
def buyer(new_account: Any) -> Account:
    account: Account = new_account()
    return account


def inquire(gateway: httpx.Client, product_code: str, customer_no: str) -> dict[str, Any]:
    r = gateway.post(
        "/ppob/inquiries", json={"product_code": product_code, "customer_no": customer_no}, timeout=30
    )
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def place(gateway: httpx.Client, account: Account, offer_id: str) -> httpx.Response:
    return gateway.post(
        "/orders/",
        json={"service_type": "ppob", "offer_id": offer_id, "booking_details": {"contact": CONTACT}},
        headers={**account.headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )


def buy(gateway: httpx.Client, account: Account, product_code: str, customer_no: str) -> dict[str, Any]:
    """Quote, order and pay on the sandbox's Midtrans page; returns the order as placed."""
    offer = inquire(gateway, product_code, customer_no)
    placed = place(gateway, account, offer["offer_id"])
    assert placed.status_code == 201, placed.text
    order: dict[str, Any] = placed.json()
    assert order["total_amount"] == offer["total"]
    payment = start_payment(gateway, account, order["transaction_id"])
    act_on_payment_page(payment["redirect_url"], "pay", payment_type="gopay")
    return order


def transaction(gateway: httpx.Client, account: Account, transaction_id: str) -> dict[str, Any]:
    r = gateway.get(f"/transactions/{transaction_id}", headers=account.headers)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def wait_for_refund(
    gateway: httpx.Client, account: Account, transaction_id: str, timeout: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        tx = transaction(gateway, account, transaction_id)
        if tx["status"] == "REFUNDED":
            return tx
        assert time.monotonic() < deadline, tx
        time.sleep(0.3)


def test_a_telkomsel_number_sees_only_telkomsel_and_rp50000_of_credit_completes_with_its_serial(
    gateway: httpx.Client, buyer: Account, sandbox: httpx.Client
) -> None:
    listed = gateway.get("/ppob/products", params={"customer_no": "+6281234560010"})
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert body["operator"] == "Telkomsel"
    topups = [i for i in body["items"] if i["category"] in ("pulsa", "data")]
    assert topups
    assert {i["brand"] for i in topups} == {"TELKOMSEL"}
    credit = next(i for i in topups if i["product_code"] == "tsel50")
    assert credit["price"] == "50850.00"  # Rp49,850 at the aggregator + the Rp1,000 margin
    order = buy(gateway, buyer, "tsel50", "081234560010")
    done = wait_for_order(gateway, buyer, order["id"], "COMPLETED", timeout=60)
    (serial,) = done["booking"]["documents"]
    assert serial["kind"] == "serial-number"
    assert re.fullmatch(r"[0-9A-F]{20}", serial["reference"])
    bought = sandbox.get(
        "/sandbox/digiflazz/transactions", params={"ref_id": order["booking_reference"]}
    ).json()
    assert [(t["buyer_sku_code"], t["customer_no"], t["status"]) for t in bought["items"]] == [
        ("tsel50", "081234560010", "Sukses")
    ]


def test_a_pln_token_after_the_owner_and_power_are_shown(
    gateway: httpx.Client, buyer: Account, sandbox: httpx.Client
) -> None:
    offer = inquire(gateway, "pln100", "14234567890")
    assert offer["details"]["customer_name"]
    assert re.fullmatch(r"R\d/\d+ VA", offer["details"]["segment_power"])
    unknown = gateway.post("/ppob/inquiries", json={"product_code": "pln100", "customer_no": "94234567890"})
    assert (unknown.status_code, unknown.json()["type"].rsplit("/", 1)[-1]) == (422, "unknown-meter")
    order = buy(gateway, buyer, "pln100", "14234567890")
    done = wait_for_order(gateway, buyer, order["id"], "COMPLETED", timeout=60)
    (token,) = done["booking"]["documents"]
    assert token["kind"] == "pln-token"
    assert re.fullmatch(r"\d{4}( \d{4}){4}", token["reference"])
    assert token["fields"]["name"] == offer["details"]["customer_name"]
    assert float(token["fields"]["kwh"]) > 0


def test_a_postpaid_bill_with_a_penalty_is_paid_with_a_receipt(
    gateway: httpx.Client, buyer: Account, sandbox: httpx.Client
) -> None:
    offer = inquire(gateway, "pln", "530000000016")
    penalties = [i for i in offer["items"] if i["description"].startswith("Late penalty")]
    assert penalties
    assert len(offer["details"]["periods"]) == 2
    none = gateway.post("/ppob/inquiries", json={"product_code": "bpjs", "customer_no": "0001234567891"})
    assert (none.status_code, none.json()["type"].rsplit("/", 1)[-1]) == (422, "no-bill")
    order = buy(gateway, buyer, "pln", "530000000016")
    done = wait_for_order(gateway, buyer, order["id"], "COMPLETED", timeout=60)
    (receipt,) = done["booking"]["documents"]
    assert receipt["kind"] == "receipt"
    assert receipt["fields"]["penalty"] == "Rp5.000"
    assert receipt["fields"]["customer_name"] == offer["details"]["customer_name"]


def test_an_instant_refusal_is_refunded_by_itself(
    gateway: httpx.Client, buyer: Account, sandbox: httpx.Client
) -> None:
    order = buy(gateway, buyer, "tsel10", "081234560012")
    ended = wait_for_order(gateway, buyer, order["id"], "CANCELLED", timeout=60)
    assert ended["booking"]["status"] == "failed"
    assert ended["failure_reason"]
    tx = wait_for_refund(gateway, buyer, order["transaction_id"])
    assert tx["refunded_amount"] == order["total_amount"]


def test_pending_then_success_by_callback(
    gateway: httpx.Client, buyer: Account, sandbox: httpx.Client
) -> None:
    order = buy(gateway, buyer, "tsel10", "081234560013")
    done = wait_for_order(gateway, buyer, order["id"], "COMPLETED", timeout=60)
    assert done["booking"]["documents"][0]["kind"] == "serial-number"
    delivered = sandbox.get(
        "/sandbox/digiflazz/callbacks", params={"ref_id": order["booking_reference"]}
    ).json()
    assert [(d["status"], d["http_status"]) for d in delivered["items"]] == [("Sukses", 200)]


def test_pending_then_failure_by_callback_is_refunded(
    gateway: httpx.Client, buyer: Account, sandbox: httpx.Client
) -> None:
    order = buy(gateway, buyer, "tsel10", "081234560014")
    ended = wait_for_order(gateway, buyer, order["id"], "CANCELLED", timeout=60)
    assert ended["booking"]["status"] == "failed"
    assert (
        wait_for_refund(gateway, buyer, order["transaction_id"])["refunded_amount"] == order["total_amount"]
    )


def test_pending_without_callback_is_resolved_by_status_checks(
    gateway: httpx.Client, buyer: Account, sandbox: httpx.Client
) -> None:
    order = buy(gateway, buyer, "tsel10", "081234560015")
    done = wait_for_order(gateway, buyer, order["id"], "COMPLETED", timeout=90)
    assert done["booking"]["status"] == "issued"
    assert sandbox.get(
        "/sandbox/digiflazz/callbacks", params={"ref_id": order["booking_reference"]}
    ).json() == {"items": []}


def test_a_forged_callback_is_refused_and_the_same_callback_twenty_times_has_one_effect(
    gateway: httpx.Client, buyer: Account, sandbox: httpx.Client
) -> None:
    order = buy(gateway, buyer, "tsel10", "081234560023")
    done = wait_for_order(gateway, buyer, order["id"], "COMPLETED", timeout=60)
    reference = order["booking_reference"]
    forged = json.dumps({"data": {"ref_id": reference, "status": "Gagal", "rc": "02", "sn": ""}}).encode()
    signature = "sha1=" + hmac.new(b"guessed-secret", forged, hashlib.sha1).hexdigest()
    refused = gateway.post(
        "/webhooks/digiflazz",
        content=forged,
        headers={"X-Hub-Signature": signature, "Content-Type": "application/json"},
    )
    assert (refused.status_code, refused.json()["type"].rsplit("/", 1)[-1]) == (401, "invalid-signature")
    again = sandbox.post(f"/sandbox/digiflazz/callbacks/{reference}/resend", json={"copies": 20})
    assert again.status_code == 200, again.text
    deadline = time.monotonic() + 20
    while True:
        log = sandbox.get("/sandbox/digiflazz/callbacks", params={"ref_id": reference}).json()["items"]
        if len(log) >= 21 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert [e["http_status"] for e in log] == [200] * 21
    after = gateway.get(f"/orders/{order['id']}", headers=buyer.headers).json()
    assert after["status"] == "COMPLETED"
    assert after["booking"] == done["booking"]
    assert transaction(gateway, buyer, order["transaction_id"])["refunded_amount"] == "0.00"


def test_a_low_deposit_refuses_orders_before_payment(
    stack_runner: StackRunner, gateway: httpx.Client, buyer: Account, sandbox: httpx.Client
) -> None:
    with service_env(stack_runner, "ppob", {"PPOB_DEPOSIT_CACHE_SECONDS": "0"}):
        offer = inquire(gateway, "tsel10", "081234560010")
        sandbox.put("/sandbox/digiflazz/deposit", json={"deposit": 20000}).raise_for_status()
        refused = place(gateway, buyer, offer["offer_id"])
        assert refused.status_code == 503, refused.text
        assert "paused" in refused.json()["detail"]
        orders = gateway.get("/orders/", headers=buyer.headers).json()
        assert orders["total"] == 0
        sandbox.put("/sandbox/digiflazz/deposit", json={"deposit": 10_000_000}).raise_for_status()
        assert place(gateway, buyer, offer["offer_id"]).status_code == 201
