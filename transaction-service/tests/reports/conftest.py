"""Fixtures of the reports and event-bus tests: a database of their own at Alembic head (the
rows they insert must be the only rows the reports see), and the reports router mounted on an app
with the platform's problem handlers and real token verification."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from adapters import tables
from routes import reports
from shared.db import create_engine, create_sessionmaker
from shared.service_app import create_service_app
from shared.settings import DatabaseSettings, RuntimeSettings
from shared.tokens import AccountState, StaticKeySource, TokenVerifier
from testkit.asgi import running_app
from testkit.keys import AUDIENCE, ISSUER, TestKeys
from testkit.postgres import alembic


@pytest.fixture(scope="session")
def reports_database_url(make_database: Callable[[str], str], service_dir: Path) -> str:
    url = make_database("transaction_reports")
    alembic(service_dir, url, "upgrade", "head")
    return url


@pytest.fixture
async def reports_engine(reports_database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(DatabaseSettings(DATABASE_URL=reports_database_url))  # type: ignore[call-arg]
    yield engine
    await engine.dispose()


@pytest.fixture
def reports_sessions(reports_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_sessionmaker(reports_engine)


@pytest.fixture
def outbox() -> Table:
    return tables.outbox


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
def reports_app(
    reports_sessions: async_sessionmaker[AsyncSession], test_keys: TestKeys, accounts: Accounts
) -> FastAPI:
    app = create_service_app(
        name="transaction-service",
        title="TiketQ Transactions (reports)",
        version="test",
        description="reports under test",
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False),  # type: ignore[call-arg]
    )
    app.state.sessions = reports_sessions
    app.state.token_verifier = TokenVerifier(
        StaticKeySource({test_keys.kid: test_keys.public_key}), accounts, issuer=ISSUER, audience=AUDIENCE
    )
    app.include_router(reports.router)
    return app


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
