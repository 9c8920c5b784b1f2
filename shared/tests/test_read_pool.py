"""shared.db's read pool: one statement per read and nothing else sent, a connection that died
while it sat in the pool is replaced instead of failing the read, and a pool held dry is the 503
database-unavailable; the unit-of-work engine pings only a connection that sat idle."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from urllib.parse import urlsplit

import asyncpg
import pytest

from shared.db import DatabaseBusy, ReadPool, create_read_pool
from shared.errors import database_unavailable
from shared.settings import DatabaseSettings


@pytest.fixture(scope="module")
def database_url(make_database: Callable[[str], str]) -> str:
    return make_database("read_pool")


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[ReadPool]:
    pool = await create_read_pool(DatabaseSettings(DATABASE_URL=database_url, DATABASE_POOL_SIZE=1))
    yield pool
    await pool.close()


async def terminate(database_url: str, pid: int) -> None:
    killer = await create_read_pool(DatabaseSettings(DATABASE_URL=database_url))
    try:
        killed = await killer.fetchrow("SELECT pg_terminate_backend($1) AS done", pid)
    finally:
        await killer.close()
    assert killed is not None
    assert killed["done"] is True


async def test_a_read_sends_its_statement_alone(pool: ReadPool) -> None:
    statements: list[str] = []
    connection = await pool._pool.acquire()
    connection.add_query_logger(lambda record: statements.append(record.query))
    await pool._pool.release(connection)

    row = await pool.fetchrow("SELECT $1::int + 1 AS answer", 41)
    again = await pool.fetchrow("SELECT 1 AS one")

    assert row is not None
    assert row["answer"] == 42
    assert again is not None
    # Nothing between the two reads: no BEGIN, no ROLLBACK, no reset on the way back.
    assert statements == ["SELECT $1::int + 1 AS answer", "SELECT 1 AS one"]


async def test_a_connection_killed_in_the_pool_is_replaced(pool: ReadPool, database_url: str) -> None:
    first = await pool.fetchrow("SELECT pg_backend_pid() AS pid")
    assert first is not None
    await terminate(database_url, first["pid"])

    second = await pool.fetchrow("SELECT pg_backend_pid() AS pid")

    assert second is not None
    assert second["pid"] != first["pid"]


async def test_fetch_answers_every_row_and_survives_a_killed_connection(
    pool: ReadPool, database_url: str
) -> None:
    first = await pool.fetchrow("SELECT pg_backend_pid() AS pid")
    assert first is not None
    await terminate(database_url, first["pid"])

    rows = await pool.fetch("SELECT n FROM generate_series(1, $1::int) AS n", 3)
    none = await pool.fetch("SELECT 1 AS one WHERE false")

    assert [row["n"] for row in rows] == [1, 2, 3]
    assert none == []


async def test_a_connection_the_server_closes_as_the_read_goes_out_is_replaced(
    make_database: Callable[[str], str],
) -> None:
    """As on `make dev`'s server, which closes sessions idle for 10 s: reads spaced about the idle
    limit apart, so that some find the connection already closed and some reach the server just as
    it closes it. asyncpg reports the second kind in several ways; none may fail the read."""
    url = make_database("read_pool_idle_closed")
    admin = await asyncpg.connect(url)
    try:
        name = urlsplit(url).path.lstrip("/")
        # Long enough that a fresh connection (the retry's) is not closed before its first
        # statement on a busy machine: at 50 ms a scheduling stall did that once in CI.
        await admin.execute(f"ALTER DATABASE \"{name}\" SET idle_session_timeout = '150ms'")
    finally:
        await admin.close()
    pool = await create_read_pool(DatabaseSettings(DATABASE_URL=url, DATABASE_POOL_SIZE=1))
    try:
        backends = set()
        for attempt in range(40):
            await asyncio.sleep(0.140 + (attempt % 5) * 0.005)  # 140 to 160 ms
            row = await pool.fetchrow("SELECT pg_backend_pid() AS pid")
            assert row is not None
            backends.add(row["pid"])
    finally:
        await pool.close()
    assert len(backends) > 1  # the server did close connections under the pool


async def test_no_row_is_none(pool: ReadPool) -> None:
    assert await pool.fetchrow("SELECT 1 WHERE false") is None


async def test_a_statement_error_is_not_retried(pool: ReadPool) -> None:
    with pytest.raises(asyncpg.UndefinedTableError):
        await pool.fetchrow("SELECT * FROM no_such_table")
    assert await pool.fetchrow("SELECT 1 AS one") is not None


async def test_a_pool_held_dry_is_the_database_unavailable(database_url: str) -> None:
    pool = await create_read_pool(
        DatabaseSettings(DATABASE_URL=database_url, DATABASE_POOL_SIZE=1), acquire_timeout=0.2
    )
    try:
        held = await pool._pool.acquire()
        try:
            with pytest.raises(DatabaseBusy) as refused:
                await pool.fetchrow("SELECT 1")
        finally:
            await pool._pool.release(held)
        assert database_unavailable(refused.value)
        assert await pool.fetchrow("SELECT 1 AS one") is not None
    finally:
        await pool.close()
