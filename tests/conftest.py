"""End-to-end fixtures: the real platform (the `make dev` launcher on free ports, a real
PostgreSQL), driven over HTTP through the gateway."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from devstack.stack import Stack, StackConfig
from testkit.stack_runner import StackRunner
from tests.edge_nginx import find_nginx
from tests.support import Account, login

# The nginx tier runs where nginx is installed; elsewhere tools/run_tests.py names it as not run.
collect_ignore = [] if find_nginx() else ["test_through_nginx.py"]


@pytest.fixture(scope="session")
def stack_runner() -> Iterator[StackRunner]:
    workdir = Path(tempfile.mkdtemp(prefix="tiketq-e2e-"))
    config = StackConfig.for_tests(workdir, database_url=os.environ.get("TEST_DATABASE_URL"))
    # A short revocation bound keeps the "within 5 seconds" tests quick and honest.
    config.extra_env["JWT_ACCOUNT_STATE_TTL_SECONDS"] = "2"
    # Events that wait for a stopped service are retried within seconds, not minutes.
    config.extra_env["PAYMENT_EVENTS_MAX_BACKOFF_SECONDS"] = "2"
    config.extra_env["SANDBOX_MIDTRANS_RETRY_SCHEDULE_SECONDS"] = "1,1,2,2,3"
    # This stack proves the path without a broker (events by signed webhook, as in `make dev`);
    # tests/broker runs one with RABBITMQ_URL, on an exchange of its own.
    config.extra_env["RABBITMQ_URL"] = ""
    # Nor a shared Redis: search caches keyed by route and date would hand this stack offers
    # another stack's sandbox made (the Redis tier proves the shared caches and counts).
    config.extra_env["REDIS_URL"] = ""
    runner = StackRunner(Stack(config))
    runner.start()
    try:
        yield runner
    finally:
        runner.close()
        if os.environ.get("KEEP_E2E_LOGS"):
            print(f"e2e logs kept in {workdir / 'logs'}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def stack(stack_runner: StackRunner) -> Stack:
    return stack_runner.stack


@pytest.fixture(scope="session")
def gateway(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=15.0) as client:
        yield client


@pytest.fixture(scope="session")
def admin(stack: Stack, gateway: httpx.Client) -> Account:
    response = login(gateway, stack.admin_email, stack.admin_password)
    assert response.status_code == 200, response.text
    tokens = response.json()
    me = gateway.get("/auth/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    return Account(
        me["id"], stack.admin_email, stack.admin_password, tokens["access_token"], tokens["refresh_token"]
    )


@pytest.fixture(scope="session")
def new_account(gateway: httpx.Client) -> Callable[[], Account]:
    """Registers and logs in a fresh user through the gateway."""

    def make() -> Account:
        email = f"user-{uuid.uuid4().hex[:12]}@example.com"
        password = "correct horse battery"
        created = gateway.post("/auth/register", json={"email": email, "password": password})
        assert created.status_code == 201, created.text
        tokens = login(gateway, email, password)
        assert tokens.status_code == 200, tokens.text
        body = tokens.json()
        return Account(created.json()["id"], email, password, body["access_token"], body["refresh_token"])

    return make
