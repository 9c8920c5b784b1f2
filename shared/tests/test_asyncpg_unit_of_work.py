"""shared.db.AsyncpgUnitOfWork on a real PostgreSQL: nothing is kept unless committed, a connection
the server closed while it sat in the pool is replaced before the work starts, no connection
coming free in time is the pool timeout every caller maps to 503, and one cancelled while it begins
still gives its connection back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import pytest

from shared.db import AsyncpgUnitOfWork, DatabaseBusy


class Notes(AsyncpgUnitOfWork):
    def _bind(self, connection: asyncpg.Connection) -> None:
        self.connection = connection


@pytest.fixture
def url(make_database: Callable[[str], str]) -> str:
    return make_database("asyncpg_uow").replace("postgresql+asyncpg://", "postgresql://")


@pytest.fixture
async def pool(url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await asyncpg.create_pool(url, min_size=1, max_size=1)
    async with pool.acquire() as connection:
        await connection.execute("CREATE TABLE notes (body text)")
    yield pool
    await pool.close()


async def _bodies(pool: asyncpg.Pool) -> list[str]:
    async with pool.acquire() as connection:
        return [r["body"] for r in await connection.fetch("SELECT body FROM notes ORDER BY body")]


async def _fail_after_writing(pool: asyncpg.Pool) -> None:
    async with Notes(pool) as uow:
        await uow.connection.execute("INSERT INTO notes VALUES ('failed')")
        raise RuntimeError("the use case failed")


async def test_only_a_committed_unit_of_work_is_kept(pool: asyncpg.Pool) -> None:
    async with Notes(pool) as uow:
        await uow.connection.execute("INSERT INTO notes VALUES ('kept')")
        await uow.commit()
    async with Notes(pool) as uow:
        await uow.connection.execute("INSERT INTO notes VALUES ('dropped')")
    with pytest.raises(RuntimeError):
        await _fail_after_writing(pool)
    assert await _bodies(pool) == ["kept"]


async def test_a_connection_the_server_closed_in_the_pool_is_replaced(pool: asyncpg.Pool, url: str) -> None:
    async with pool.acquire() as connection:
        pid = connection.get_server_pid()
    # The pool's only connection is `pid`: the server ends it while it sits in the pool.
    other = await asyncpg.connect(url)
    try:
        assert await other.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await other.close()
    async with Notes(pool) as uow:
        await uow.connection.execute("INSERT INTO notes VALUES ('after')")
        await uow.commit()
    assert await _bodies(pool) == ["after"]


async def test_no_connection_free_in_time_is_the_pool_timeout(pool: asyncpg.Pool) -> None:
    async with pool.acquire():
        with pytest.raises(DatabaseBusy):
            async with Notes(pool, acquire_timeout=0.1):
                pass


async def test_a_unit_of_work_cancelled_while_it_begins_gives_its_connection_back(pool: asyncpg.Pool) -> None:
    # A background job stopped at shutdown may be cancelled in the middle of its BEGIN: the
    # connection must still go back, or closing the pool waits for it for ever.
    acquired = asyncio.Event()
    acquire = asyncpg.Pool.acquire

    def acquiring(self: asyncpg.Pool, *args: Any, **kwargs: Any) -> Any:
        async def acquired_then_begin() -> Any:
            connection = await acquire(self, *args, **kwargs)
            acquired.set()  # the unit of work goes on to its BEGIN and waits for the server
            return connection

        return acquired_then_begin()

    async def work() -> None:
        async with Notes(pool):
            await asyncio.sleep(60)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(asyncpg.Pool, "acquire", acquiring)
        task = asyncio.create_task(work())
        await acquired.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    async with Notes(pool, acquire_timeout=5) as uow:
        await uow.connection.execute("INSERT INTO notes VALUES ('after')")
        await uow.commit()
    assert await _bodies(pool) == ["after"]
    await asyncio.wait_for(pool.close(), 5)
