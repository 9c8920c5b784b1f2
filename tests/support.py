"""Helpers the end-to-end tests share: accounts, logins, and waiting on eventual effects."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx

from testkit.stack_runner import StackRunner

REVOCATION_BOUND_SECONDS = 5.0


@dataclass(frozen=True)
class Account:
    id: str
    email: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


def login(client: httpx.Client, email: str, password: str) -> httpx.Response:
    return client.post("/auth/login", json={"email": email, "password": password})


def wait_for_profile(gateway: httpx.Client, account: Account, timeout: float = 10.0) -> dict[str, object]:
    """Profiles are created from the account.registered event; it arrives within moments."""
    deadline = time.monotonic() + timeout
    while True:
        response = gateway.get(f"/users/{account.id}", headers=account.headers)
        if response.status_code == 200:
            return dict(response.json())
        if time.monotonic() > deadline:
            raise AssertionError(f"no profile for {account.email}: {response.status_code} {response.text}")
        time.sleep(0.1)


def seconds_until_refused(client: httpx.Client, path: str, headers: dict[str, str]) -> float:
    """How long until a revoked token is refused at this hop (fails past the bound)."""
    started = time.monotonic()
    while True:
        status = client.get(path, headers=headers).status_code
        elapsed = time.monotonic() - started
        if status == 401:
            return elapsed
        assert elapsed < REVOCATION_BOUND_SECONDS + 1, f"still {status} after {elapsed:.1f}s"
        time.sleep(0.1)


@contextlib.contextmanager
def service_env(runner: StackRunner, name: str, env: dict[str, str]) -> Iterator[None]:
    """Restart one process with extra environment for the duration of a test, then restart it
    as it was (an in-memory process such as the sandbox starts afresh both times)."""
    config = runner.stack.config
    before = config.service_env.get(name)
    config.service_env[name] = {**(before or {}), **env}
    runner.start_service(name)
    try:
        yield
    finally:
        if before is None:
            config.service_env.pop(name, None)
        else:
            config.service_env[name] = before
        runner.start_service(name)
