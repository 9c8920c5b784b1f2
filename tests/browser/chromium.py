"""Where Debian's Chromium and its chromedriver are, or why the browser tier cannot run.

Both come from the distribution (`apt-get install chromium chromium-driver`, as .ci/run does):
a browser downloaded at test time would not work offline and would not be the one we pinned.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass

BROWSER_NAMES = ("chromium", "chromium-browser")
DRIVER_NAMES = ("chromedriver",)


@dataclass(frozen=True)
class Chromium:
    browser: str
    driver: str


def _first(names: tuple[str, ...]) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


def find_chromium() -> Chromium | str:
    """The browser and driver, or the reason the browser tier does not run."""
    browser = _first(BROWSER_NAMES)
    if browser is None:
        return "chromium not found"
    driver = _first(DRIVER_NAMES)
    if driver is None:
        return "chromedriver not found (apt-get install chromium-driver)"
    return Chromium(browser, driver)
