"""shared.db's read engine: one autocommit statement per read, and a connection that died
while it sat in the pool is replaced instead of failing the read."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.db import create_read_engine, fetch_first
from shared.settings import DatabaseSettings


@pytest.fixture(scope="module")
def database_url(make_database: Callable[[str], str]) -> str:
    return make_database("read_engine")


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_read_engine(DatabaseSettings(DATABASE_URL=database_url, DATABASE_POOL_SIZE=1))
    yield engine
    await engine.dispose()


async def test_a_read_runs_its_statement_alone_in_autocommit(engine: AsyncEngine) -> None:
    statements: list[str] = []
    event.listen(engine.sync_engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    row = await fetch_first(engine, text("SELECT 41 + 1 AS answer"))
    assert row is not None
    assert row.answer == 42
    assert statements == ["SELECT 41 + 1 AS answer"]
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert raw.dbapi_connection is not None
        assert raw.dbapi_connection.autocommit is True


async def test_a_connection_killed_in_the_pool_is_replaced(engine: AsyncEngine, database_url: str) -> None:
    first = await fetch_first(engine, text("SELECT pg_backend_pid() AS pid"))
    assert first is not None
    killer = create_read_engine(DatabaseSettings(DATABASE_URL=database_url))
    try:
        killed = await fetch_first(killer, text(f"SELECT pg_terminate_backend({int(first.pid)}) AS done"))
    finally:
        await killer.dispose()
    assert killed is not None
    assert killed.done is True

    second = await fetch_first(engine, text("SELECT pg_backend_pid() AS pid"))

    assert second is not None
    assert second.pid != first.pid


async def test_no_row_is_none(engine: AsyncEngine) -> None:
    assert await fetch_first(engine, text("SELECT 1 WHERE false")) is None
