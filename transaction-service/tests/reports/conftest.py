"""Fixtures of the reports and event-bus tests: a database of their own at Alembic head (the
rows they insert must be the only rows the reports see), and the real app (`create_app`, workers
off, auth-service replaced by static keys) on that database."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from app import create_app
from shared.tokens import AccountState, StaticKeySource
from testkit.asgi import running_app
from testkit.keys import TestKeys
from testkit.postgres import alembic, asyncpg_pool
from tests.conftest import make_settings

# The broker tier needs the real RabbitMQ at RABBITMQ_URL; without it tools/run_tests.py says so.
collect_ignore = [] if os.environ.get("RABBITMQ_URL") else ["test_event_bus_broker.py"]


@pytest.fixture(scope="session")
def reports_database_url(make_database: Callable[[str], str], service_dir: Path) -> str:
    url = make_database("transaction_reports")
    alembic(service_dir, url, "upgrade", "head")
    return url


@pytest.fixture
async def reports_pool(reports_database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """The service's kind of pool (shared.db.create_asyncpg_pool), on the reports' database: the
    relays run on it, and the tests seed and read rows with it."""
    async with asyncpg_pool(reports_database_url) as pool:
        yield pool


@pytest.fixture
def outbox() -> str:
    """The outbox's table name, as the relay takes it."""
    return "outbox"


class Accounts:
    """auth-service's account states, as the token verifier asks for them."""

    def __init__(self) -> None:
        self.roles: dict[str, str] = {}

    async def get(self, account_id: str) -> AccountState | None:
        role = self.roles.get(account_id)
        return None if role is None else AccountState(role=role, is_active=True, token_version=0)


@pytest.fixture
def accounts() -> Accounts:
    return Accounts()


@pytest.fixture
def reports_app(reports_database_url: str, test_keys: TestKeys, accounts: Accounts) -> FastAPI:
    return create_app(
        make_settings(reports_database_url),
        key_source=StaticKeySource({test_keys.kid: test_keys.public_key}),
        account_states=accounts,
        workers=False,
    )


@pytest.fixture
async def reports_client(reports_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(reports_app) as client:
        yield client


@pytest.fixture
def token_for(test_keys: TestKeys, accounts: Accounts) -> Callable[[str, str], dict[str, Any]]:
    def make(account_id: str, role: str) -> dict[str, Any]:
        accounts.roles[account_id] = role
        return {"Authorization": f"Bearer {test_keys.mint(account_id, role)}"}

    return make
