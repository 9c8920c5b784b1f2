"""A customer's booking confirmation, opened in a browser as a mail client would show it: the
order number, the booking code, the e-ticket and the total, rendered from the email's HTML that
the sandbox's SMTP sink received, with its PDF one click away."""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
from selenium.webdriver import Chrome as WebDriver
from selenium.webdriver.common.by import By

from devstack.stack import Stack
from tests.money import act_on_payment_page, an_offer, passenger, start_payment, wait_for_order
from tests.support import Account


def test_the_booking_confirmation_email_renders_with_its_booking_code_and_e_ticket(
    browser: WebDriver, stack: Stack, gateway: httpx.Client, new_account: Any
) -> None:
    buyer: Account = new_account()
    mailbox = f"dewi.{uuid.uuid4().hex[:10]}@example.co.id"
    placed = gateway.post(
        "/orders/",
        json={
            "service_type": "flight",
            "offer_id": an_offer(gateway)["offer_id"],
            "booking_details": {
                "passengers": [passenger()],
                "contact": {"email": mailbox, "phone": "081234567890"},
            },
        },
        headers={**buyer.headers, "Idempotency-Key": str(uuid.uuid4())},
        timeout=30,
    )
    assert placed.status_code == 201, placed.text
    order = placed.json()
    payment = start_payment(gateway, buyer, order["transaction_id"])
    act_on_payment_page(payment["redirect_url"], "pay", payment_type="qris")
    done = wait_for_order(gateway, buyer, order["id"], "COMPLETED")
    code = done["booking"]["supplier_reference"]
    ticket = done["booking"]["documents"][0]["reference"]

    sandbox = stack.url("sandbox")
    deadline = time.monotonic() + 60
    while True:
        emails = httpx.get(f"{sandbox}/sandbox/notify/emails", params={"to": mailbox}, timeout=10).json()[
            "items"
        ]
        confirmations = [e for e in emails if "berhasil" in e["subject"]]
        if confirmations:
            break
        assert time.monotonic() < deadline, emails
        time.sleep(0.5)
    [confirmation] = confirmations

    # The list page a person opens first, then the email itself.
    browser.get(f"{sandbox}/sandbox/notify")
    link = browser.find_element(By.PARTIAL_LINK_TEXT, f"Pesanan {order['order_number']} berhasil")
    assert link.get_attribute("href")
    browser.get(f"{sandbox}{confirmation['html_url']}")
    assert browser.find_element(By.ID, "order-number").text == order["order_number"]
    assert browser.find_element(By.ID, "booking-code").text == code
    total = browser.find_element(By.ID, "total").text
    assert total.startswith("Rp")
    assert "." in total  # rupiah grouped with dots: Rp1.119.590
    references = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".document .reference")]
    assert ticket in references
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Halo" in body
    assert "E-tiket/voucher terlampir dalam PDF" in body

    [pdf] = confirmation["attachments"]
    content = httpx.get(f"{sandbox}{pdf['url']}", timeout=10).content
    assert content.startswith(b"%PDF")
    assert code.encode() in content
