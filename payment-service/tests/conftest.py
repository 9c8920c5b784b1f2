"""Fixtures every tier shares: the app built through `create_app` on a real database, with
Midtrans and transaction-service answered by respx, and the `make_app`/`app` pair the shell
contract (testkit/service_shell.py) needs."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import respx
from fastapi import FastAPI
from pydantic import SecretStr

from app import create_app
from config import MidtransSettings, PaymentEventSettings, Settings, XenditSettings
from shared.settings import DatabaseSettings, InternalSettings, RuntimeSettings
from tests.midtrans_payloads import CORE, EVENTS_URL, SERVER_KEY, SNAP
from tests.xendit_payloads import CALLBACK_TOKEN, SECRET_KEY, XENDIT

INTERNAL_TOKEN = "test-internal-token-0123456789abcdef"
WEBHOOK_SECRET = "test-payment-webhook-secret-0123456789abcdef"
INTERNAL = {"X-Internal-Token": INTERNAL_TOKEN}


def make_settings(
    database_url: str,
    *,
    relay_enabled: bool = False,
    midtrans_enabled: bool = True,
    xendit_enabled: bool = True,
) -> Settings:
    return Settings(
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False),  # type: ignore[call-arg]
        database=DatabaseSettings(DATABASE_URL=database_url),  # type: ignore[call-arg]
        internal=InternalSettings(INTERNAL_TOKEN=SecretStr(INTERNAL_TOKEN)),  # type: ignore[call-arg]
        midtrans=MidtransSettings(  # type: ignore[call-arg]
            MIDTRANS_SERVER_KEY=SecretStr(SERVER_KEY),
            MIDTRANS_SNAP_BASE_URL=SNAP,
            MIDTRANS_CORE_BASE_URL=CORE,
            MIDTRANS_NOTIFICATION_URL="https://gateway.test/webhooks/midtrans",
            MIDTRANS_TIMEOUT_SECONDS=2,
            MIDTRANS_ENABLED=midtrans_enabled,
        ),
        xendit=XenditSettings(  # type: ignore[call-arg]
            XENDIT_SECRET_KEY=SecretStr(SECRET_KEY),
            XENDIT_CALLBACK_TOKEN=SecretStr(CALLBACK_TOKEN),
            XENDIT_BASE_URL=XENDIT,
            XENDIT_SUCCESS_REDIRECT_URL="https://tiketq.test/paid",
            XENDIT_TIMEOUT_SECONDS=2,
            XENDIT_ENABLED=xendit_enabled,
        ),
        events=PaymentEventSettings(  # type: ignore[call-arg]
            PAYMENT_EVENTS_URL=EVENTS_URL,
            PAYMENT_WEBHOOK_SECRET=SecretStr(WEBHOOK_SECRET),
            PAYMENT_EVENTS_RELAY_ENABLED=relay_enabled,
            PAYMENT_EVENTS_POLL_INTERVAL_SECONDS=0.05,
            PAYMENT_EVENTS_MAX_BACKOFF_SECONDS=1,
        ),
    )


@pytest.fixture
def make_app() -> Callable[[str], FastAPI]:
    def make(database_url: str) -> FastAPI:
        return create_app(make_settings(database_url))

    return make


@pytest.fixture
def app(make_app: Callable[[str], FastAPI], migrated_database_url: str) -> FastAPI:
    return make_app(migrated_database_url)


@pytest.fixture
def midtrans() -> Iterator[respx.MockRouter]:
    """Midtrans, Xendit (and transaction-service's receiver) as respx answers them; a call nobody
    mocked fails the test."""
    with respx.mock(assert_all_called=False) as mock:
        yield mock
