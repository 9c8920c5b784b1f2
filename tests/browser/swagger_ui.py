"""Swagger UI as a person uses it: read the operations, Authorize, Try it out, Execute.

Selectors are Swagger UI 5's own class names (the pinned bundle the gateway serves).
"""

from __future__ import annotations

from dataclasses import dataclass

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

WAIT_SECONDS = 30


@dataclass(frozen=True)
class Answer:
    status: str
    body: str


class SwaggerUI:
    def __init__(self, driver: WebDriver, url: str) -> None:
        self.driver = driver
        self.url = url
        self.wait = WebDriverWait(driver, WAIT_SECONDS)

    def open(self, *, signed_out: bool = True) -> None:
        """Loads the page; `signed_out` forgets a sign-in an earlier visit kept (Swagger UI
        keeps it in the browser's storage: persistAuthorization)."""
        self.driver.get(self.url)
        if signed_out:
            self.driver.execute_script("window.localStorage.clear()")
            self.driver.get(self.url)
        self.wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".opblock")))

    def operations(self) -> set[tuple[str, str]]:
        """(METHOD, path) of every operation on the page."""
        found = set()
        for block in self.driver.find_elements(By.CSS_SELECTOR, ".opblock"):
            method = block.find_element(By.CSS_SELECTOR, ".opblock-summary-method").text.strip()
            path = block.find_element(By.CSS_SELECTOR, ".opblock-summary-path").get_attribute("data-path")
            found.add((method.upper(), str(path)))
        return found

    def authorize(self, username: str, password: str) -> None:
        """The Authorize dialog's OAuth2 password flow: it posts to /auth/login."""
        opener = (By.CSS_SELECTOR, ".auth-wrapper .authorize")
        self._click(self.wait.until(ec.element_to_be_clickable(opener)))
        dialog = self.wait.until(ec.visibility_of_element_located((By.CSS_SELECTOR, ".modal-ux")))
        dialog.find_element(By.ID, "oauth_username").send_keys(username)
        dialog.find_element(By.ID, "oauth_password").send_keys(password)
        self._click(dialog.find_element(By.CSS_SELECTOR, ".auth-btn-wrapper .modal-btn.authorize"))
        # Signed in: the dialog's button now reads Logout.
        signed_in = (
            By.XPATH,
            "//div[contains(@class,'auth-btn-wrapper')]/button[normalize-space()='Logout']",
        )
        try:
            self.wait.until(ec.presence_of_element_located(signed_in))
        except TimeoutException:
            raise AssertionError(f"not signed in; the dialog says: {dialog.text}") from None
        self._click(self.driver.find_element(By.CSS_SELECTOR, ".modal-ux .btn-done"))
        self.wait.until(ec.invisibility_of_element_located((By.CSS_SELECTOR, ".modal-ux")))

    def is_authorized(self) -> bool:
        button = self.driver.find_element(By.CSS_SELECTOR, ".auth-wrapper .authorize")
        return "locked" in (button.get_attribute("class") or "")

    def operation(self, method: str, path: str) -> WebElement:
        for block in self.driver.find_elements(By.CSS_SELECTOR, f".opblock-{method.lower()}"):
            summary = block.find_element(By.CSS_SELECTOR, ".opblock-summary-path")
            if summary.get_attribute("data-path") == path:
                return block
        raise AssertionError(f"no {method} {path} on the page")

    def try_out(self, method: str, path: str, **parameters: str) -> WebElement:
        """Opens the operation, presses Try it out and fills its parameters."""
        block = self.operation(method, path)
        if "is-open" not in (block.get_attribute("class") or ""):
            self._click(block.find_element(By.CSS_SELECTOR, ".opblock-summary-control"))
        try_button = WebDriverWait(block, WAIT_SECONDS).until(
            lambda b: b.find_element(By.CSS_SELECTOR, ".try-out__btn")
        )
        if "cancel" not in (try_button.get_attribute("class") or ""):
            self._click(try_button)
        for name, value in parameters.items():
            field = block.find_element(By.CSS_SELECTOR, f"tr[data-param-name='{name}'] input")
            field.clear()
            field.send_keys(value)
        return block

    def execute(self, block: WebElement) -> Answer:
        """Presses Execute and reads the live answer the page shows (Clear first, when an
        earlier answer is still shown, so the one read is the new one)."""
        for clear in block.find_elements(By.CSS_SELECTOR, ".btn-clear"):
            self._click(clear)
        WebDriverWait(block, WAIT_SECONDS).until(
            lambda b: not b.find_elements(By.CSS_SELECTOR, ".live-responses-table")
        )
        self._click(block.find_element(By.CSS_SELECTOR, ".execute-wrapper .execute, .btn-group .execute"))

        def answered(_: object) -> Answer | None:
            try:
                rows = block.find_elements(By.CSS_SELECTOR, ".live-responses-table .response")
                if not rows:
                    return None
                status = rows[0].find_element(By.CSS_SELECTOR, ".response-col_status").text.strip()
                bodies = rows[0].find_elements(By.CSS_SELECTOR, ".response-col_description pre")
                return Answer(status, bodies[0].text if bodies else "") if status else None
            except StaleElementReferenceException:
                return None

        answer = WebDriverWait(block, WAIT_SECONDS).until(answered)
        assert answer is not None  # until() returns only a truthy result
        return answer

    def _click(self, element: WebElement) -> None:
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()
