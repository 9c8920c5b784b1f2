"""Fixtures every tier shares: the app built through `create_app` on a real database with
recording senders and in-memory profiles, and clients for a customer and an admin."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from app import create_app
from config import OrderEventSettings, Settings
from domain.models import Channel
from shared.settings import DatabaseSettings, InternalSettings, JwtVerifySettings, RuntimeSettings
from shared.tokens import AccountState, StaticKeySource
from testkit.asgi import running_app
from testkit.keys import TestKeys
from tests.events import USER_ID
from tests.fakes import Accounts, Clock, Profiles, RecordingSender

# The broker tier needs the real RabbitMQ at RABBITMQ_URL; without it tools/run_tests.py says so.
collect_ignore = [] if os.environ.get("RABBITMQ_URL") else ["integration/test_event_consumer_broker.py"]

INTERNAL_TOKEN = "test-internal-token-0123456789abcdef"
ORDER_EVENTS_SECRET = "test-order-events-secret-0123456789abcdef"


def make_settings(database_url: str) -> Settings:
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False),  # type: ignore[call-arg]
        database=DatabaseSettings(DATABASE_URL=database_url),  # type: ignore[call-arg]
        internal=InternalSettings(INTERNAL_TOKEN=SecretStr(INTERNAL_TOKEN)),  # type: ignore[call-arg]
        order_events=OrderEventSettings(ORDER_EVENTS_SECRET=SecretStr(ORDER_EVENTS_SECRET)),  # type: ignore[call-arg]
        jwt=JwtVerifySettings(),
    )


@pytest.fixture
def email() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def sms() -> RecordingSender:
    return RecordingSender()


@pytest.fixture
def profiles() -> Profiles:
    return Profiles()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts() -> Accounts:
    return Accounts()


@pytest.fixture
def make_app(
    email: RecordingSender,
    sms: RecordingSender,
    profiles: Profiles,
    clock: Clock,
    accounts: Accounts,
    test_keys: TestKeys,
) -> Callable[[str], FastAPI]:
    def make(database_url: str) -> FastAPI:
        return create_app(
            make_settings(database_url),
            senders={Channel.EMAIL: email, Channel.SMS: sms},
            preferences=profiles,
            key_source=StaticKeySource({test_keys.kid: test_keys.public_key}),
            account_states=accounts,
            clock=clock,
            workers=False,
        )

    return make


@pytest.fixture
async def app(make_app: Callable[[str], FastAPI], migrated_database_url: str) -> FastAPI:
    # The suite's database is its own; each test starts from no events and no messages.
    connection = await asyncpg.connect(migrated_database_url)
    try:
        await connection.execute("TRUNCATE notifications, received_events")
    finally:
        await connection.close()
    return make_app(migrated_database_url)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(app) as c:
        yield c


def _headers(test_keys: TestKeys, accounts: Accounts, account: str, role: str) -> dict[str, str]:
    accounts.states[account] = AccountState(role=role, is_active=True, token_version=0)
    return {"Authorization": f"Bearer {test_keys.mint(account, role)}"}


@pytest.fixture
def customer_headers(test_keys: TestKeys, accounts: Accounts) -> dict[str, str]:
    """The customer the test events are about (tests/events.py USER_ID)."""
    return _headers(test_keys, accounts, USER_ID, "user")


@pytest.fixture
def stranger_headers(test_keys: TestKeys, accounts: Accounts) -> dict[str, str]:
    return _headers(test_keys, accounts, str(uuid.uuid4()), "user")


@pytest.fixture
def admin_headers(test_keys: TestKeys, accounts: Accounts) -> dict[str, str]:
    return _headers(test_keys, accounts, str(uuid.uuid4()), "admin")
