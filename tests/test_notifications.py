"""Notifications end to end: the real transaction-service tells the real notification-service
(signed events), which sends email to the sandbox's SMTP sink and SMS to its Infobip-shaped
gateway. A paid flight brings exactly one confirmation email with the booking code and the
e-ticket PDF; a bank transfer chosen on the payment page brings one email with the virtual
account, in WITA for a customer who chose Asia/Makassar; a PLN token comes by SMS; an expired
payment brings one failure email; with the mail server down through a storm of orders, every
message arrives once it is back, none twice."""

from __future__ import annotations

import random
import re
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from devstack.stack import Stack
from tests.money import act_on_payment_page, an_offer, passenger, start_payment, wait_for_order
from tests.support import Account


@pytest.fixture
def sink(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("sandbox"), timeout=10) as client:
        yield client
        client.put("/sandbox/notify/knobs", json={"smtp_down": False, "sms_down": False}).raise_for_status()


def a_contact() -> dict[str, str]:
    """A mailbox and a mobile number nobody else in the run uses, so each test reads its own."""
    tag = uuid.uuid4().hex[:10]
    number = "".join(random.choices("0123456789", k=8))
    return {"email": f"siti.{tag}@example.co.id", "phone": f"0812{number}"}


def emails_to(sink: httpx.Client, address: str) -> list[dict[str, Any]]:
    response = sink.get("/sandbox/notify/emails", params={"to": address})
    response.raise_for_status()
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def sms_to(sink: httpx.Client, phone_e164: str) -> list[dict[str, Any]]:
    response = sink.get("/sandbox/notify/sms", params={"to": phone_e164})
    response.raise_for_status()
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def wait_until(what: str, check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        assert time.monotonic() < deadline, f"no {what} within {timeout} s"
        time.sleep(0.3)


def order_flight(gateway: httpx.Client, buyer: Account, contact: dict[str, str]) -> dict[str, Any]:
    offer = an_offer(gateway)
    placed = gateway.post(
        "/orders/",
        json={
            "service_type": "flight",
            "offer_id": offer["offer_id"],
            "booking_details": {"passengers": [passenger()], "contact": contact},
        },
        headers={**buyer.headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert placed.status_code == 201, placed.text
    body: dict[str, Any] = placed.json()
    return body


def test_a_paid_flight_brings_exactly_one_confirmation_email_with_the_booking_code_and_the_pdf(
    gateway: httpx.Client, new_account: Any, sink: httpx.Client
) -> None:
    buyer: Account = new_account()
    contact = a_contact()
    placed = order_flight(gateway, buyer, contact)
    number = placed["order_number"]
    # The payment instructions come first, with the deadline in WIB.
    [instructions] = wait_until("payment email", lambda: emails_to(sink, contact["email"]))
    assert instructions["subject"].startswith(f"Selesaikan pembayaran pesanan {number} sebelum ")
    assert instructions["subject"].endswith(" WIB")

    payment = start_payment(gateway, buyer, placed["transaction_id"])
    act_on_payment_page(payment["redirect_url"], "pay", payment_type="bank_transfer", bank="bca")
    done = wait_for_order(gateway, buyer, placed["id"], "COMPLETED")
    code = done["booking"]["supplier_reference"]
    ticket = done["booking"]["documents"][0]["reference"]

    def confirmations() -> list[dict[str, Any]]:
        return [e for e in emails_to(sink, contact["email"]) if "berhasil" in e["subject"]]

    [confirmation] = wait_until("confirmation email", confirmations)
    assert confirmation["subject"] == f"Pesanan {number} berhasil - kode booking {code}"
    assert f"Kode booking: {code}" in confirmation["text"]
    [pdf] = confirmation["attachments"]
    assert pdf["content_type"] == "application/pdf"
    content = sink.get(pdf["url"]).content
    assert content.startswith(b"%PDF")
    assert code.encode() in content
    assert ticket.encode() in content
    html = sink.get(confirmation["html_url"]).text
    assert code in html
    assert ticket in html
    # Exactly one: nothing more arrives once the order has settled.
    time.sleep(3)
    assert len(confirmations()) == 1
    # The customer sees their messages through the gateway, sent.
    mine = gateway.get("/notifications/", params={"order_number": number}, headers=buyer.headers)
    assert mine.status_code == 200, mine.text
    kinds = Counter((i["kind"], i["channel"], i["status"]) for i in mine.json()["items"])
    assert kinds[("booking-confirmed", "email", "sent")] == 1
    assert kinds[("order-created", "email", "sent")] == 1


def test_a_bank_transfer_brings_one_email_with_the_virtual_account_in_the_customers_zone(
    gateway: httpx.Client, new_account: Any, sink: httpx.Client
) -> None:
    buyer: Account = new_account()
    zone = gateway.put(f"/users/{buyer.id}", json={"time_zone": "Asia/Makassar"}, headers=buyer.headers)
    assert zone.status_code == 200, zone.text
    contact = a_contact()
    placed = order_flight(gateway, buyer, contact)
    number = placed["order_number"]
    # The order's email already writes its deadline in WITA.
    [created] = wait_until("order email", lambda: emails_to(sink, contact["email"]))
    assert created["subject"].startswith(f"Selesaikan pembayaran pesanan {number} sebelum ")
    assert created["subject"].endswith(" WITA")

    payment = start_payment(gateway, buyer, placed["transaction_id"])
    chosen = act_on_payment_page(payment["redirect_url"], "choose", payment_type="bank_transfer", bank="bca")
    assert chosen["transaction_status"] == "pending"
    # The account Midtrans opened, as the payment page shows it to the payer.
    page = httpx.get(payment["redirect_url"], timeout=15).text
    found = re.search(r"BCA virtual account <code>(\d+)</code>", page)
    assert found is not None, page
    va_number = found.group(1)

    def instructions() -> list[dict[str, Any]]:
        return [e for e in emails_to(sink, contact["email"]) if "Virtual Account" in e["subject"]]

    [email] = wait_until("payment instructions email", instructions)
    assert email["subject"].startswith(f"Bayar ke BCA Virtual Account: pesanan {number} sebelum ")
    assert email["subject"].endswith(" WITA")
    assert f"Bayar ke BCA Virtual Account {va_number} sebesar Rp" in email["text"]
    assert " WIB" not in email["text"]
    assert va_number in sink.get(email["html_url"]).text
    # Midtrans repeats itself; the customer is told once.
    time.sleep(3)
    assert len(instructions()) == 1
    mine = gateway.get("/notifications/", params={"order_number": number}, headers=buyer.headers)
    kinds = Counter((i["kind"], i["channel"]) for i in mine.json()["items"])
    assert kinds[("payment-instructions", "email")] == 1


def test_a_mandiri_bill_payment_brings_the_biller_code_and_bill_key_in_english_and_wit(
    gateway: httpx.Client, new_account: Any, sink: httpx.Client
) -> None:
    buyer: Account = new_account()
    profile = {"language": "en", "time_zone": "Asia/Jayapura"}
    assert gateway.put(f"/users/{buyer.id}", json=profile, headers=buyer.headers).status_code == 200
    contact = a_contact()
    placed = order_flight(gateway, buyer, contact)
    payment = start_payment(gateway, buyer, placed["transaction_id"])
    act_on_payment_page(payment["redirect_url"], "choose", payment_type="echannel")
    page = httpx.get(payment["redirect_url"], timeout=15).text
    found = re.search(r"biller code <code>(\d+)</code>, bill key <code>(\d+)</code>", page)
    assert found is not None, page
    biller_code, bill_key = found.groups()

    def instructions() -> list[dict[str, Any]]:
        return [e for e in emails_to(sink, contact["email"]) if "Mandiri Bill Payment" in e["subject"]]

    [email] = wait_until("Mandiri instructions email", instructions)
    assert email["subject"].startswith(
        f"Pay with Mandiri Bill Payment: order {placed['order_number']} before "
    )
    assert email["subject"].endswith(" WIT")
    assert f"biller code {biller_code}, bill key {bill_key}" in email["text"]


def test_a_pln_token_arrives_by_sms(gateway: httpx.Client, new_account: Any, sink: httpx.Client) -> None:
    buyer: Account = new_account()
    contact = a_contact()
    offer = gateway.post("/ppob/inquiries", json={"product_code": "pln100", "customer_no": "14234567890"})
    assert offer.status_code == 201, offer.text
    placed = gateway.post(
        "/orders/",
        json={
            "service_type": "ppob",
            "offer_id": offer.json()["offer_id"],
            "booking_details": {"contact": {**contact, "first_name": "Siti", "last_name": "Rahayu"}},
        },
        headers={**buyer.headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert placed.status_code == 201, placed.text
    order = placed.json()
    payment = start_payment(gateway, buyer, order["transaction_id"])
    act_on_payment_page(payment["redirect_url"], "pay", payment_type="gopay")
    done = wait_for_order(gateway, buyer, order["id"], "COMPLETED", timeout=60)
    [token] = done["booking"]["documents"]
    phone = "+62" + contact["phone"][1:]

    def token_sms() -> list[dict[str, Any]]:
        return [s for s in sms_to(sink, phone) if token["reference"] in s["text"]]

    [sms] = wait_until("token SMS", token_sms)
    assert sms["text"].startswith(f"TiketQ: Token PLN pesanan {order['order_number']}: ")
    assert len(sms["text"]) <= 306  # two segments at most


def test_an_expired_payment_brings_one_failure_email(
    gateway: httpx.Client, new_account: Any, sink: httpx.Client
) -> None:
    buyer: Account = new_account()
    contact = a_contact()
    placed = order_flight(gateway, buyer, contact)
    payment = start_payment(gateway, buyer, placed["transaction_id"])
    act_on_payment_page(payment["redirect_url"], "expire", payment_type="credit_card")
    wait_for_order(gateway, buyer, placed["id"], "CANCELLED")

    def failures() -> list[dict[str, Any]]:
        return [e for e in emails_to(sink, contact["email"]) if e["subject"].endswith("dibatalkan")]

    [failure] = wait_until("failure email", failures)
    assert failure["subject"] == f"Pesanan {placed['order_number']} dibatalkan"
    time.sleep(3)
    assert len(failures()) == 1


DOWN_SECONDS = 30


def test_with_the_mail_server_down_through_a_storm_every_email_arrives_once_it_is_back(
    gateway: httpx.Client, new_account: Any, sink: httpx.Client, admin: Account
) -> None:
    # Four customers with two orders each (an account may hold only a few unpaid orders), all
    # writing to one mailbox so the storm can be counted in one place.
    buyers: list[Account] = [new_account() for _ in range(4)]
    contact = a_contact()
    sink.put("/sandbox/notify/knobs", json={"smtp_down": True}).raise_for_status()
    went_down = time.monotonic()
    numbers = [
        order_flight(gateway, buyer, contact)["order_number"]
        for n, buyer in enumerate(buyers)
        for k in range(2)
    ]

    def queued() -> list[dict[str, Any]]:
        found = []
        for buyer in buyers:
            page = gateway.get(
                "/notifications/",
                params={"user_id": buyer.id, "channel": "email", "status": "queued"},
                headers=admin.headers,
            )
            assert page.status_code == 200, page.text
            found += page.json()["items"]
        return found if len(found) == len(numbers) and all(i["attempts"] for i in found) else []

    # Held back while the server answers 421: queued, with the server's answer.
    held = wait_until("queued emails", queued)
    assert all("421" in (i["provider_response"] or "") for i in held)
    # Down for 30 s in all: the retries keep failing, and nothing is lost or sent.
    time.sleep(max(0.0, went_down + DOWN_SECONDS - time.monotonic()))
    assert emails_to(sink, contact["email"]) == []
    sink.put("/sandbox/notify/knobs", json={"smtp_down": False}).raise_for_status()

    def all_arrived() -> list[dict[str, Any]]:
        arrived = emails_to(sink, contact["email"])
        return arrived if len(arrived) >= len(numbers) else []

    wait_until("every email", all_arrived, timeout=90)
    time.sleep(3)
    subjects = Counter(e["subject"].split(" sebelum ")[0] for e in emails_to(sink, contact["email"]))
    assert subjects == Counter(f"Selesaikan pembayaran pesanan {n}" for n in numbers)
