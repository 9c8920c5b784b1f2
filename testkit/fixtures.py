"""Pytest plugin loaded by every service suite (`-p testkit.fixtures` in its pytest.ini)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
import respx.mocks

from testkit.keys import TestKeys
from testkit.postgres import PostgresServer, alembic

T = TypeVar("T")

# respx mocks calls where httpcore's pool would send them; the services' clients send on
# shared/http_pool.py's pool instead, so respx is told to mock there too.
respx.mocks.HTTPCoreMocker.add_targets("shared.http_pool.AiohttpPool")


def run_sync(coro: Coroutine[Any, Any, T]) -> T:
    """Runs a coroutine to completion from sync code, even when called inside a running loop
    (an async test's fixture), by giving it a thread and a loop of its own."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def make_database(postgres_server: PostgresServer) -> Iterator[Callable[[str], str]]:
    """Creates an empty database; all are dropped at the end of the session."""
    created: list[str] = []

    def make(prefix: str) -> str:
        url = run_sync(postgres_server.create_database(prefix))
        created.append(url)
        return url

    yield make
    for url in created:
        run_sync(postgres_server.drop_database(url))


@pytest.fixture(scope="session")
def service_dir(request: pytest.FixtureRequest) -> Path:
    """The service folder the suite runs in (its pytest.ini's directory)."""
    return Path(str(request.config.rootpath))


@pytest.fixture(scope="session")
def migrated_database_url(make_database: Callable[[str], str], service_dir: Path) -> str:
    """A database at the service's Alembic head, shared by the session's tests."""
    url = make_database(service_dir.name.replace("-", "_"))
    alembic(service_dir, url, "upgrade", "head")
    return url


@pytest.fixture(scope="session")
def test_keys() -> TestKeys:
    return TestKeys()
