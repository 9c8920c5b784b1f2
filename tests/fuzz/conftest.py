"""The API fuzzer's platform: the real processes (the `make dev` launcher on free ports, a real
PostgreSQL), as in the end-to-end suite but a stack of its own, so that the fuzzer's thousands
of hostile requests (failed logins included) never meet the journeys' accounts or counters."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from devstack.stack import Stack, StackConfig
from testkit.stack_runner import StackRunner
from tests.support import login

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    workdir = Path(tempfile.mkdtemp(prefix="tiketq-fuzz-"))
    config = StackConfig.for_tests(workdir, database_url=os.environ.get("TEST_DATABASE_URL"))
    # Every stateful walk leaves an order unpaid; the per-account cap (5) would end the walks
    # after five. The cap itself is tested in transaction-service's suite and end to end.
    config.extra_env["MAX_UNPAID_ORDERS_PER_ACCOUNT"] = "100"
    # No broker and no shared Redis: on this machine's servers its events would meet other
    # stacks' consumers and its cached searches other stacks' offers (their own tiers prove them).
    config.extra_env["RABBITMQ_URL"] = ""
    config.extra_env["REDIS_URL"] = ""
    runner = StackRunner(Stack(config))
    runner.start()
    try:
        yield runner.stack
    finally:
        runner.close()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=15.0) as client:
        yield client


def account_token(gateway: httpx.Client, role: str, admin_token: str | None = None) -> str:
    """A fresh account of `role` (an admin is made by an admin) and its access token."""
    email = f"fuzz-{role}-{uuid.uuid4().hex[:10]}@example.com"
    body = {"email": email, "password": PASSWORD}
    headers: dict[str, str] = {}
    if role == "admin":
        assert admin_token is not None
        body["role"] = "admin"
        headers["Authorization"] = f"Bearer {admin_token}"
    created = gateway.post("/auth/register", json=body, headers=headers)
    assert created.status_code == 201, created.text
    tokens = login(gateway, email, PASSWORD)
    assert tokens.status_code == 200, tokens.text
    return str(tokens.json()["access_token"])


@pytest.fixture(scope="session")
def tokens(stack: Stack, gateway: httpx.Client) -> dict[str, str]:
    """Access tokens by name, all made before any fuzzing starts (the fuzzer's failed logins
    may throttle this client's address afterwards). The bootstrap admin is never fuzzed with:
    accounts of the fuzzer's own can be logged out or changed without touching anyone else.
    `logout-*` accounts exist only to be logged out."""
    bootstrap = login(gateway, stack.admin_email, stack.admin_password)
    assert bootstrap.status_code == 200, bootstrap.text
    admin_token = str(bootstrap.json()["access_token"])
    return {
        "user": account_token(gateway, "user"),
        "admin": account_token(gateway, "admin", admin_token),
        "logout-user": account_token(gateway, "user"),
        "logout-admin": account_token(gateway, "admin", admin_token),
    }
