"""The browser tier: Debian's Chromium, driven by Selenium through chromedriver, against the same
end-to-end stack as tests/ (the `make dev` launcher on free ports, a real PostgreSQL).

Chromium runs headless with a fresh profile and nothing of its own on the network (no sync,
no component updates, no background requests), so what it loads is only what the pages ask for.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service

# The stack, the gateway client and accounts: the end-to-end suite's own fixtures.
from tests.browser.chromium import Chromium, find_chromium
from tests.conftest import admin, gateway, new_account, stack, stack_runner  # noqa: F401

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
)


@pytest.fixture(scope="session")
def chromium() -> Chromium:
    found = find_chromium()
    if isinstance(found, str):
        # tools/run_tests.py does not start this tier without Chromium; run by hand, say why.
        pytest.fail(f"browser tier cannot run: {found}")
    return found


@pytest.fixture(scope="session")
def browser(chromium: Chromium) -> Iterator[webdriver.Chrome]:
    # Selenium Manager is never needed (the driver is given) and must not phone home either.
    os.environ.setdefault("SE_AVOID_STATS", "true")
    with tempfile.TemporaryDirectory(prefix="tiketq-chromium-") as profile:
        options = Options()
        options.binary_location = chromium.browser
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={Path(profile) / 'profile'}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(options=options, service=Service(executable_path=chromium.driver))
        driver.set_page_load_timeout(30)
        try:
            yield driver
        finally:
            driver.quit()
