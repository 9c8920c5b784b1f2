"""shared.db's read engine: one autocommit statement per read, and a connection that died
while it sat in the pool is replaced instead of failing the read; the unit-of-work engine pings
only a connection that sat idle."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import event, text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import db
from shared.db import create_engine, create_read_engine, fetch_first
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


async def test_a_unit_of_work_engine_pings_only_a_connection_that_sat_idle(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[AsyncAdapt_asyncpg_connection] = []
    ping = AsyncAdapt_asyncpg_connection.ping

    def counted(connection: AsyncAdapt_asyncpg_connection) -> None:
        pings.append(connection)
        ping(connection)  # type: ignore[no-untyped-call]

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counted)
    engine = create_engine(DatabaseSettings(DATABASE_URL=database_url, DATABASE_POOL_SIZE=1))
    try:
        async with engine.connect() as conn:
            first = (await conn.execute(text("SELECT pg_backend_pid() AS pid"))).one()
        async with engine.connect() as conn:  # straight back out of the pool: no ping
            assert (await conn.execute(text("SELECT pg_backend_pid() AS pid"))).one().pid == first.pid
        assert pings == []

        killer = create_read_engine(DatabaseSettings(DATABASE_URL=database_url))
        try:
            await fetch_first(killer, text(f"SELECT pg_terminate_backend({int(first.pid)})"))
        finally:
            await killer.dispose()
        # Idle past the limit: the ping finds the connection dead and a new one takes its place.
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", -1.0)
        async with engine.connect() as conn:
            second = (await conn.execute(text("SELECT pg_backend_pid() AS pid"))).one()
        assert second.pid != first.pid
        assert len(pings) == 1
    finally:
        await engine.dispose()
