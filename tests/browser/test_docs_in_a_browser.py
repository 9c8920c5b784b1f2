"""The platform docs in a real browser: Swagger UI and ReDoc load from the gateway alone (no CDN),
show every service's operations, and a person signs in with Authorize and runs Try it out.
The Content-Security-Policy the gateway sends must not block anything these pages need."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import httpx
from selenium.webdriver import Chrome as WebDriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from devstack.stack import Stack
from tests.browser.swagger_ui import SwaggerUI
from tests.support import Account

REDOCLY_LOGO_ORIGIN = "https://cdn.redoc.ly"


def _loaded_origins(browser: WebDriver) -> set[str]:
    """Origins of every file the page loaded (scripts, styles, images, fetches)."""
    names: list[str] = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    return {f"{urlsplit(name).scheme}://{urlsplit(name).netloc}" for name in names}


def _console(browser: WebDriver) -> list[dict[str, Any]]:
    """What the page logged since the last call (reading empties the log)."""
    entries: list[dict[str, Any]] = browser.get_log("browser")  # type: ignore[no-untyped-call]
    return entries


def _console_problems(browser: WebDriver) -> list[str]:
    """Errors the page logged: a script that failed, or anything the policy refused."""
    return [
        entry["message"]
        for entry in _console(browser)
        if entry["level"] == "SEVERE" or "Content Security Policy" in entry["message"]
    ]


def test_swagger_ui_shows_every_services_operations_from_the_gateway_alone(
    browser: WebDriver, stack: Stack, gateway: httpx.Client
) -> None:
    document: dict[str, Any] = gateway.get("/openapi.json").json()
    assert document["x-tiketq-unavailable"] == []
    expected = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    _console(browser)  # start with an empty console
    ui = SwaggerUI(browser, f"{stack.gateway_url}/docs")
    ui.open()

    shown = ui.operations()
    assert shown == expected
    # Every service behind the gateway has operations on the page.
    services = set(document["x-tiketq-services"])
    assert {"auth", "user", "transaction", "flights", "ferries", "hotels", "ppob", "payment"} <= services
    for prefix in ("/auth/", "/users/", "/orders/", "/flights/", "/ferries/", "/hotels/", "/ppob/"):
        assert any(path.startswith(prefix) for _, path in shown), prefix
    assert _loaded_origins(browser) == {stack.gateway_url}
    assert _console_problems(browser) == []


def test_authorize_then_try_it_out_on_auth_me(browser: WebDriver, stack: Stack, new_account: Any) -> None:
    account: Account = new_account()
    ui = SwaggerUI(browser, f"{stack.gateway_url}/docs")
    ui.open()
    ui.authorize(account.email, account.password)
    assert ui.is_authorized()

    answer = ui.execute(ui.try_out("GET", "/auth/me"))

    assert answer.status == "200", answer
    me = json.loads(answer.body)
    assert me["email"] == account.email
    assert me["id"] == account.id
    assert _loaded_origins(browser) == {stack.gateway_url}
    assert _console_problems(browser) == []


def test_redoc_renders_the_platform_document_from_the_gateway_alone(browser: WebDriver, stack: Stack) -> None:
    _console(browser)
    browser.get(f"{stack.gateway_url}/redoc")
    WebDriverWait(browser, 30).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, "[data-section-id^='tag/']"))
    )
    title = browser.find_element(By.CSS_SELECTOR, "h1").text
    assert title.startswith("TiketQ API")
    assert browser.find_elements(By.CSS_SELECTOR, "[data-section-id^='operation/']")
    # The bundle's one outside request, the Redocly logo in its sidebar, is refused by the
    # policy (the bundle then leaves the logo out); everything else comes from the gateway.
    assert _loaded_origins(browser) - {stack.gateway_url} <= {REDOCLY_LOGO_ORIGIN}
    problems = _console_problems(browser)
    assert len(problems) <= 1, problems
    for problem in problems:
        assert f"Loading the image '{REDOCLY_LOGO_ORIGIN}/" in problem
        assert "The action has been blocked" in problem
