"""A database that cannot take one more connection is a 503 the caller may retry, not a 500."""

from __future__ import annotations

from collections.abc import Callable

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from shared.errors import database_unavailable
from shared.service_app import create_service_app
from shared.settings import RuntimeSettings, to_asyncpg_url


@pytest.fixture(scope="module")
def database_url(make_database: Callable[[str], str]) -> str:
    return to_asyncpg_url(make_database("database_unavailable"))


def app_on(engine: AsyncEngine) -> FastAPI:
    app = create_service_app(
        name="demo",
        title="Demo",
        version="1",
        description="demo",
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False),  # type: ignore[call-arg]
    )

    @app.get("/count")
    async def count() -> dict[str, int]:
        async with engine.connect() as connection:
            return {"count": (await connection.execute(text("SELECT 1"))).scalar_one()}

    return app


async def test_a_pool_with_no_connection_free_answers_503_with_retry_after(database_url: str) -> None:
    engine = create_async_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    transport = httpx.ASGITransport(app=app_on(engine), raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            assert (await client.get("/count")).json() == {"count": 1}
            async with engine.connect():  # the pool's only connection, held
                busy = await client.get("/count", headers={"X-Request-ID": "held-1"})
            again = await client.get("/count")
    finally:
        await engine.dispose()
    assert busy.status_code == 503
    assert busy.headers["content-type"] == "application/problem+json"
    assert busy.headers["retry-after"] == "1"
    assert busy.json()["type"].endswith("/database-unavailable")
    assert busy.json()["request_id"] == "held-1"
    assert again.json() == {"count": 1}


def test_a_server_out_of_connections_is_recognised_through_the_chain() -> None:
    wrapped = RuntimeError("the driver's wrapper")
    wrapped.__cause__ = asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already")
    assert database_unavailable(wrapped)
    assert not database_unavailable(RuntimeError("a bug"))
    assert not database_unavailable(ConnectionRefusedError("another service"))
