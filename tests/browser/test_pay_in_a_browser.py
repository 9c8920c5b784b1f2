"""A person pays an order on the sandbox's Midtrans page by clicking, then watches the order in
Swagger UI (Try it out, Execute again) until it reads COMPLETED."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
from selenium.webdriver import Chrome as WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from devstack.stack import Stack
from tests.browser.swagger_ui import SwaggerUI
from tests.money import order, start_payment
from tests.support import Account

COMPLETION_SECONDS = 60


def test_an_order_paid_by_clicking_on_the_payment_page_reads_completed(
    browser: WebDriver, stack: Stack, gateway: httpx.Client, new_account: Any
) -> None:
    account: Account = new_account()
    placed = order(gateway, account)
    payment = start_payment(gateway, account, placed["transaction_id"])

    # The Snap page: bank transfer through BCA, then Pay.
    browser.get(payment["redirect_url"])
    wait = WebDriverWait(browser, 30)
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "input[value='bank_transfer']"))).click()
    browser.find_element(By.CSS_SELECTOR, "select[name='bank'] option[value='bca']").click()
    browser.find_element(By.CSS_SELECTOR, "button.primary").click()
    status = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".status strong")))
    assert status.text == "settlement"

    # The order in Swagger UI, as the customer: Execute again until it is done.
    ui = SwaggerUI(browser, f"{stack.gateway_url}/docs")
    ui.open()
    ui.authorize(account.email, account.password)
    block = ui.try_out("GET", "/orders/{order_id}", order_id=placed["id"])
    deadline = time.monotonic() + COMPLETION_SECONDS
    seen: list[str] = []
    while True:
        answer = ui.execute(block)
        assert answer.status == "200", answer
        shown = json.loads(answer.body)
        seen.append(shown["status"])
        if shown["status"] == "COMPLETED":
            break
        assert time.monotonic() < deadline, f"the order went {seen}, never COMPLETED"
        time.sleep(1)

    assert shown["id"] == placed["id"]
    assert shown["booking"]["documents"], shown  # the e-ticket is there
