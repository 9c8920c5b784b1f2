"""A text PostgreSQL cannot store (a NUL, `\\u0000` in JSON) that no validation caught is the
caller's 422, not a 500: the statement that carried it failed, and its unit of work rolled back."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from shared.db import AsyncpgUnitOfWork, create_asyncpg_pool
from shared.service_app import create_service_app
from shared.settings import DatabaseSettings, RuntimeSettings


class Notes(AsyncpgUnitOfWork):
    def _bind(self, connection: asyncpg.Connection) -> None:
        self.connection = connection


@pytest.fixture
async def pool(make_database: Callable[[str], str]) -> AsyncIterator[asyncpg.Pool]:
    made = await create_asyncpg_pool(DatabaseSettings(DATABASE_URL=make_database("unstorable_text")))
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

    @app.post("/notes")
    async def add(note: dict[str, str]) -> dict[str, int]:
        async with Notes(pool) as unit:
            await unit.connection.execute("INSERT INTO notes VALUES ($1, $2)", note["body"], note["doc"])
            await unit.commit()
        return {"notes": int(await pool.fetchval("SELECT count(*) FROM notes"))}

    return app


@pytest.mark.parametrize(
    "note",
    [{"body": "Jl. Sudirman\x00 1", "doc": "{}"}, {"body": "Jl. Sudirman 1", "doc": '{"a": "x\\u0000"}'}],
    ids=["text", "jsonb"],
)
async def test_a_nul_the_database_refuses_is_a_422_problem_and_nothing_is_stored(
    pool: asyncpg.Pool, note: dict[str, str]
) -> None:
    transport = httpx.ASGITransport(app=app_on(pool))
    async with httpx.AsyncClient(transport=transport, base_url="http://demo") as client:
        refused = await client.post("/notes", json=note)
        stored = await client.post("/notes", json={"body": "Jl. Sudirman 1", "doc": "{}"})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/validation-error")
    assert "NUL" in refused.json()["detail"]
    assert stored.json() == {"notes": 1}
