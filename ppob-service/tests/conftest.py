"""Fixtures every tier shares: the app built through `create_app` on a real database with a fake
aggregator, clients (public, admin, internal), and the booking-contract fixtures."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from app import create_app
from config import DigiflazzSettings, PpobSettings, Settings
from shared.settings import DatabaseSettings, InternalSettings, JwtVerifySettings, RuntimeSettings
from shared.tokens import AccountState, StaticKeySource
from testkit.asgi import running_app
from testkit.booking_contract import Bookable, booking_api_for
from testkit.keys import TestKeys
from tests.fakes import Accounts, Clock, FakeAggregator, FakeAlerts

INTERNAL_TOKEN = "test-internal-token-0123456789abcdef"
WEBHOOK_SECRET = "test-digiflazz-webhook-secret"


def make_settings(database_url: str, **ppob: Any) -> Settings:
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False),  # type: ignore[call-arg]
        database=DatabaseSettings(DATABASE_URL=database_url),  # type: ignore[call-arg]
        internal=InternalSettings(INTERNAL_TOKEN=SecretStr(INTERNAL_TOKEN)),  # type: ignore[call-arg]
        jwt=JwtVerifySettings(),
        digiflazz=DigiflazzSettings(DIGIFLAZZ_WEBHOOK_SECRET=SecretStr(WEBHOOK_SECRET)),  # type: ignore[call-arg]
        ppob=PpobSettings(**ppob),
    )


@pytest.fixture
def aggregator() -> FakeAggregator:
    return FakeAggregator()


@pytest.fixture
def alerts() -> FakeAlerts:
    return FakeAlerts()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def accounts() -> Accounts:
    return Accounts()


@pytest.fixture
def make_app(
    aggregator: FakeAggregator, alerts: FakeAlerts, clock: Clock, accounts: Accounts, test_keys: TestKeys
) -> Callable[[str], FastAPI]:
    def make(database_url: str) -> FastAPI:
        return create_app(
            make_settings(database_url, PPOB_DEPOSIT_CACHE_SECONDS=0),
            aggregator=aggregator,
            alerts=alerts,
            clock=clock,
            key_source=StaticKeySource({test_keys.kid: test_keys.public_key}),
            account_states=accounts,
            workers=False,
        )

    return make


@pytest.fixture
def app(make_app: Callable[[str], FastAPI], migrated_database_url: str) -> FastAPI:
    return make_app(migrated_database_url)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(app) as c:
        yield c


@pytest.fixture
def admin_headers(test_keys: TestKeys, accounts: Accounts) -> dict[str, str]:
    account = str(uuid.uuid4())
    accounts.states[account] = AccountState(role="admin", is_active=True, token_version=0)
    return {"Authorization": f"Bearer {test_keys.mint(account, 'admin')}"}


@pytest.fixture
def user_headers(test_keys: TestKeys, accounts: Accounts) -> dict[str, str]:
    account = str(uuid.uuid4())
    accounts.states[account] = AccountState(role="user", is_active=True, token_version=0)
    return {"Authorization": f"Bearer {test_keys.mint(account, 'user')}"}


def signed_callback(data: dict[str, Any], secret: str = WEBHOOK_SECRET) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps({"data": data}).encode()
    signature = "sha1=" + hmac.new(secret.encode(), raw, hashlib.sha1).hexdigest()
    headers = {
        "X-Hub-Signature": signature,
        "X-Digiflazz-Event": "update",
        "X-Digiflazz-Delivery": str(uuid.uuid4()),
        "Content-Type": "application/json",
    }
    return raw, headers


def callback_data(ref_id: str, status: str, rc: str, sn: str = "") -> dict[str, Any]:
    return {
        "trx_id": "DF1A2B3C",
        "ref_id": ref_id,
        "customer_no": "081234567893",
        "buyer_sku_code": "tsel50",
        "message": "Transaksi",
        "status": status,
        "rc": rc,
        "sn": sn,
        "buyer_last_saldo": 900000,
        "price": 49850,
        "tele": "@x",
        "wa": "62811",
    }


# --- the booking contract --------------------------------------------------------------------


@pytest.fixture
async def booking_api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with booking_api_for(app, INTERNAL_TOKEN) as client:
        yield client


class PpobProduct:
    service_type = "ppob"
    cancellable_after_issue = False

    def __init__(self, api: httpx.AsyncClient, aggregator: FakeAggregator) -> None:
        self._api = api
        self._aggregator = aggregator

    async def bookable(self) -> Bookable:
        r = await self._api.post(
            "/ppob/inquiries", json={"product_code": "tsel50", "customer_no": "081234567890"}
        )
        assert r.status_code == 201, r.text
        details = {
            "contact": {"email": "siti@example.co.id", "phone": "0812-3456-7890", "first_name": "siti"}
        }
        return Bookable(r.json()["offer_id"], details)

    def broken_details(self, bookable: Bookable) -> dict[str, Any]:
        return {"contact": {"email": "not-an-email", "phone": "12"}, "customer_number": "085612345678"}

    async def next_issue_pending(self, outcome: Literal["issued", "failed"]) -> None:
        self._aggregator.next_outcomes.append(("pending", "success" if outcome == "issued" else "failed"))

    async def settle_pending(self, booking_reference: str) -> None:
        """The aggregator's signed callback arrives at the webhook."""
        result = self._aggregator.settle(booking_reference)
        status, rc = ("Sukses", "00") if result.state == "success" else ("Gagal", "02")
        raw, headers = signed_callback(callback_data(booking_reference, status, rc, result.serial))
        r = await self._api.post("/webhooks/digiflazz", content=raw, headers=headers)
        assert r.status_code == 200, r.text


@pytest.fixture
def product(booking_api: httpx.AsyncClient, aggregator: FakeAggregator) -> PpobProduct:
    return PpobProduct(booking_api, aggregator)
