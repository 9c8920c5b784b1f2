"""Fixtures every tier shares: settings, a real database at Alembic head, and the app built
through `create_app` with auth-service replaced by an in-memory directory."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from adapters.personal_data import PersonalDataCipher
from app import create_app
from config import AccountEventSettings, PersonalDataSettings, Settings
from domain.models import Account
from shared import signing
from shared.db import create_asyncpg_pool
from shared.settings import (
    DatabaseSettings,
    InternalSettings,
    JwtVerifySettings,
    RuntimeSettings,
    to_asyncpg_url,
)
from shared.tokens import StaticKeySource
from testkit.asgi import running_app
from testkit.keys import TestKeys
from tests.fakes import FakeAccountDirectory

INTERNAL_TOKEN = "test-internal-token-0123456789abcdef"
ACCOUNT_EVENTS_SECRET = "test-account-events-secret-0123456789ab"
# Fixed test keys (never used anywhere else): two, so that rotation can be exercised.
PERSONAL_DATA_KEYS = (
    "test-2026:" + base64.b64encode(b"k" * 32).decode() + ",test-2025:" + base64.b64encode(b"o" * 32).decode()
)
PERSONAL_DATA_HASH_KEY = base64.b64encode(b"h" * 32).decode()


def cipher_for_tests() -> PersonalDataCipher:
    return PersonalDataCipher.from_text(PERSONAL_DATA_KEYS, PERSONAL_DATA_HASH_KEY)


def make_settings(
    database_url: str, *, personal_data_keys: str = PERSONAL_DATA_KEYS, **runtime: object
) -> Settings:
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False, **runtime),  # type: ignore[arg-type]
        database=DatabaseSettings(DATABASE_URL=database_url),  # type: ignore[call-arg]
        internal=InternalSettings(
            INTERNAL_TOKEN=SecretStr(INTERNAL_TOKEN), AUTH_SERVICE_URL="http://auth.test"
        ),  # type: ignore[call-arg]
        jwt=JwtVerifySettings(jwks_url="http://auth.test/auth/.well-known/jwks.json"),
        events=AccountEventSettings(ACCOUNT_EVENTS_SECRET=SecretStr(ACCOUNT_EVENTS_SECRET)),  # type: ignore[call-arg]
        personal_data=PersonalDataSettings(
            PERSONAL_DATA_KEYS=SecretStr(personal_data_keys),
            PERSONAL_DATA_HASH_KEY=SecretStr(PERSONAL_DATA_HASH_KEY),
        ),  # type: ignore[call-arg]
    )


@pytest.fixture
async def pool(migrated_database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """The asyncpg pool the service's code runs on, as the app makes it."""
    pool = await create_asyncpg_pool(DatabaseSettings(DATABASE_URL=migrated_database_url))  # type: ignore[call-arg]
    yield pool
    await pool.close()


@pytest.fixture
async def engine(migrated_database_url: str) -> AsyncIterator[AsyncEngine]:
    """A SQLAlchemy engine of the tests' own, for what needs one (comparing the migrated schema
    with the tables); the service itself no longer has one."""
    engine = create_async_engine(to_asyncpg_url(migrated_database_url))
    yield engine
    await engine.dispose()


@pytest.fixture
def directory() -> FakeAccountDirectory:
    return FakeAccountDirectory()


@pytest.fixture
def app(migrated_database_url: str, test_keys: TestKeys, directory: FakeAccountDirectory) -> FastAPI:
    return create_app(
        make_settings(migrated_database_url),
        key_source=StaticKeySource({test_keys.kid: test_keys.public_key}),
        account_states=directory.states(),
        account_directory=directory,
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(app) as client:
        yield client


def signed_event(
    topic: str,
    data: dict[str, object],
    *,
    event_id: str | None = None,
    secret: str = ACCOUNT_EVENTS_SECRET,
    now: float | None = None,
) -> tuple[bytes, dict[str, str]]:
    """An event exactly as auth-service's outbox relay (SignedWebhookDelivery) posts it."""
    event_id = event_id or str(uuid.uuid4())
    envelope = {
        "event_id": event_id,
        "topic": topic,
        "occurred_at": "2025-06-01T08:00:00+00:00",
        "data": data,
    }
    body = json.dumps(envelope, separators=(",", ":")).encode()
    return body, signing.signed_headers(secret, body, event_id, now=now)


def registered_event(account: Account, **kwargs: object) -> tuple[bytes, dict[str, str]]:
    data: dict[str, object] = {
        "account_id": str(account.id),
        "email": account.email,
        "role": account.role,
        "registered_at": "2025-06-01T08:00:00+00:00",
    }
    return signed_event("account.registered", data, **kwargs)  # type: ignore[arg-type]


@dataclass
class Person:
    """An account at (fake) auth-service with a token, and its profile here once registered."""

    account: Account
    token: str

    @property
    def id(self) -> str:
        return str(self.account.id)

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class People:
    client: httpx.AsyncClient
    directory: FakeAccountDirectory
    keys: TestKeys

    async def register(self, role: str = "user", *, email: str | None = None) -> Person:
        """Registers an account the way the platform does: auth-service holds it and sends
        account.registered, which creates the profile."""
        person = self.account_only(role, email=email)
        body, headers = registered_event(person.account)
        response = await self.client.post("/internal/events", content=body, headers=headers)
        assert response.status_code == 200, response.text
        return person

    def account_only(self, role: str = "user", *, email: str | None = None) -> Person:
        account = self.directory.add(role, email=email)
        return Person(account, self.keys.mint(str(account.id), role))


@pytest.fixture
def people(client: httpx.AsyncClient, directory: FakeAccountDirectory, test_keys: TestKeys) -> People:
    return People(client, directory, test_keys)
