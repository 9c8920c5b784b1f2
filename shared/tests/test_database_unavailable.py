"""What the service shell answers when the database refuses a request's work: one more
connection it cannot give is a 503 the caller may retry, not a 500; a text it cannot store (a NUL,
`\\u0000` in JSON) that no validation caught is the caller's 422, and the unit of work that carried
it rolled back. Both on a service's own asyncpg pool and units of work (shared/db.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from shared.db import AsyncpgUnitOfWork, ReadPool, create_asyncpg_pool
from shared.errors import database_unavailable
from shared.service_app import create_service_app
from shared.settings import DatabaseSettings, RuntimeSettings


class Notes(AsyncpgUnitOfWork):
    def _bind(self, connection: asyncpg.Connection) -> None:
        self.connection = connection


@pytest.fixture
async def pool(make_database: Callable[[str], str]) -> AsyncIterator[asyncpg.Pool]:
    """A service's pool of one connection, over a table of notes."""
    settings = DatabaseSettings(DATABASE_URL=make_database("database_refuses"), DATABASE_POOL_SIZE=1)
    made = await create_asyncpg_pool(settings)
    async with made.acquire() as connection:
        await connection.execute("CREATE TABLE notes (body text NOT NULL, doc jsonb NOT NULL)")
    yield made
    await made.close()


def app_on(pool: asyncpg.Pool) -> FastAPI:
    app = create_service_app(
        name="demo",
        title="Demo",
        version="1",
        description="demo",
        runtime=RuntimeSettings(ENVIRONMENT="test", LOG_JSON=False),  # type: ignore[call-arg]
    )
    reads = ReadPool(pool, acquire_timeout=0.2)

    @app.get("/notes")
    async def count() -> dict[str, int]:
        row = await reads.fetchrow("SELECT count(*) AS n FROM notes")
        assert row is not None
        return {"notes": int(row["n"])}

    @app.post("/notes")
    async def add(note: dict[str, str]) -> dict[str, int]:
        async with Notes(pool) as unit:
            await unit.connection.execute("INSERT INTO notes VALUES ($1, $2)", note["body"], note["doc"])
            await unit.commit()
        return await count()

    return app


def client_of(pool: asyncpg.Pool) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app_on(pool), raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://demo")


async def test_a_pool_with_no_connection_free_answers_503_with_retry_after(pool: asyncpg.Pool) -> None:
    async with client_of(pool) as client:
        assert (await client.get("/notes")).json() == {"notes": 0}
        async with pool.acquire():  # the pool's only connection, held
            busy = await client.get("/notes", headers={"X-Request-ID": "held-1"})
        again = await client.get("/notes")
    assert busy.status_code == 503
    assert busy.headers["content-type"] == "application/problem+json"
    assert busy.headers["retry-after"] == "1"
    assert busy.json()["type"].endswith("/database-unavailable")
    assert busy.json()["request_id"] == "held-1"
    assert again.json() == {"notes": 0}


def test_a_server_out_of_connections_is_recognised_through_the_chain() -> None:
    wrapped = RuntimeError("the driver's wrapper")
    wrapped.__cause__ = asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already")
    assert database_unavailable(wrapped)
    assert not database_unavailable(RuntimeError("a bug"))
    assert not database_unavailable(ConnectionRefusedError("another service"))


@pytest.mark.parametrize(
    "note",
    [{"body": "Jl. Sudirman\x00 1", "doc": "{}"}, {"body": "Jl. Sudirman 1", "doc": '{"a": "x\\u0000"}'}],
    ids=["text", "jsonb"],
)
async def test_a_nul_the_database_refuses_is_a_422_problem_and_nothing_is_stored(
    pool: asyncpg.Pool, note: dict[str, str]
) -> None:
    async with client_of(pool) as client:
        refused = await client.post("/notes", json=note)
        stored = await client.post("/notes", json={"body": "Jl. Sudirman 1", "doc": "{}"})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/validation-error")
    assert "NUL" in refused.json()["detail"]
    assert stored.json() == {"notes": 1}
