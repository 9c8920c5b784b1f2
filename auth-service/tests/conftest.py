from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared.settings import to_asyncpg_url
from testkit.asgi import running_app
from testkit.keys import TestKeys
from testkit.postgres import alembic
from testkit.service_shell import MakeApp
from tests.app_factory import ADMIN_PASSWORD, Account, build_app, sign_in, unique_email


@pytest.fixture
def admin_email() -> str:
    return unique_email("admin")


@pytest.fixture
def make_app(test_keys: TestKeys, admin_email: str) -> MakeApp:
    """auth-service configured for tests on the given database, with its own bootstrap admin."""

    def make(database_url: str) -> FastAPI:
        return build_app(database_url, test_keys.private_pem(), admin_email=admin_email)

    return make


@pytest.fixture
def app(make_app: MakeApp, migrated_database_url: str) -> FastAPI:
    return make_app(migrated_database_url)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(app) as http:
        yield http


@pytest.fixture
async def admin(client: httpx.AsyncClient, admin_email: str) -> Account:
    return await sign_in(client, admin_email, ADMIN_PASSWORD)


@pytest.fixture
def fresh_database_url(make_database: Callable[[str], str], service_dir) -> str:  # type: ignore[no-untyped-def]
    """An empty database at head, for tests that need to know every account in it."""
    url = make_database("auth_fresh")
    alembic(service_dir, url, "upgrade", "head")
    return url


@pytest.fixture
async def db(migrated_database_url: str) -> AsyncIterator[AsyncEngine]:
    """Direct access to the test database, to check what the service stored."""
    engine = create_async_engine(to_asyncpg_url(migrated_database_url))
    yield engine
    await engine.dispose()
