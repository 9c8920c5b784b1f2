"""Fixtures every tier shares: the app built through `create_app` on a real PostgreSQL at
Alembic head, with flights-service and payment-service faked by respx in their real shapes and
auth-service replaced by static keys. Workers are off: tests run the relays' passes themselves."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import respx
from fastapi import FastAPI
from pydantic import SecretStr

from app import create_app
from config import PaymentEventSettings, Settings, UpstreamSettings
from shared.settings import DatabaseSettings, InternalSettings, JwtVerifySettings, RuntimeSettings
from shared.tokens import StaticKeySource
from testkit.asgi import running_app
from testkit.keys import TestKeys
from tests.fakes import (
    FLIGHTS_URL,
    INTERNAL_TOKEN,
    PAYMENT_URL,
    WEBHOOK_SECRET,
    Accounts,
    FakeFlights,
    FakePayments,
)


def make_settings(database_url: str, products: dict[str, str] | None = None) -> Settings:
    """Settings for a test app: flights at FLIGHTS_URL, plus any `products` (service_type → URL)."""
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False),  # type: ignore[call-arg]
        database=DatabaseSettings(DATABASE_URL=database_url),  # type: ignore[call-arg]
        internal=InternalSettings(
            INTERNAL_TOKEN=SecretStr(INTERNAL_TOKEN), AUTH_SERVICE_URL="http://auth.test"
        ),  # type: ignore[call-arg]
        jwt=JwtVerifySettings(jwks_url="http://auth.test/auth/.well-known/jwks.json"),
        payment_events=PaymentEventSettings(PAYMENT_WEBHOOK_SECRET=SecretStr(WEBHOOK_SECRET)),  # type: ignore[call-arg]
        upstream=UpstreamSettings(
            PRODUCT_SERVICES={"flight": FLIGHTS_URL, **(products or {})}, PAYMENT_SERVICE_URL=PAYMENT_URL
        ),  # type: ignore[call-arg]
    )


@pytest.fixture
def accounts() -> Accounts:
    return Accounts()


@pytest.fixture
def make_app(test_keys: TestKeys, accounts: Accounts) -> Callable[[str], FastAPI]:
    def make(database_url: str) -> FastAPI:
        return create_app(
            make_settings(database_url),
            key_source=StaticKeySource({test_keys.kid: test_keys.public_key}),
            account_states=accounts,
            workers=False,
        )

    return make


@pytest.fixture
def app(make_app: Callable[[str], FastAPI], migrated_database_url: str) -> FastAPI:
    return make_app(migrated_database_url)


@pytest.fixture
def flights() -> FakeFlights:
    return FakeFlights()


@pytest.fixture
def payments() -> FakePayments:
    return FakePayments()


@pytest.fixture
async def client(
    app: FastAPI, flights: FakeFlights, payments: FakePayments
) -> AsyncIterator[httpx.AsyncClient]:
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        router.route(host="testserver").pass_through()
        flights.install(router)
        payments.install(router)
        async with running_app(app) as client:
            yield client


@dataclass
class Person:
    id: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def keyed(self, key: str | None = None) -> dict[str, str]:
        return {**self.headers, "Idempotency-Key": key or uuid.uuid4().hex}


@dataclass
class People:
    keys: TestKeys
    accounts: Accounts

    def make(self, role: str = "user") -> Person:
        account_id = str(uuid.uuid4())
        self.accounts.roles[account_id] = role
        return Person(account_id, self.keys.mint(account_id, role))


@pytest.fixture
def people(test_keys: TestKeys, accounts: Accounts) -> People:
    return People(test_keys, accounts)


def order_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service_type": "flight",
        "offer_id": "eyJyIjoib2ZmXzEiLCJzIjoiZHVmZmVsIiwidiI6MX0",
        "booking_details": {
            "passengers": [
                {"type": "adult", "first_name": "Budi", "last_name": "Santoso", "date_of_birth": "1985-02-03"}
            ],
            "contact": {"email": "budi@example.co.id", "phone": "0812-3456-7890"},
        },
    }
    body.update(overrides)
    return body
