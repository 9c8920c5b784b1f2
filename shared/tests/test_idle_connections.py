"""A service's asyncpg pool (shared.db.create_asyncpg_pool), the one its units of work, reads,
relays and keys share: a burst's connections are kept for the next burst (opening one costs the
database a new backend and every statement a new prepare); at low traffic the most recent
connection is used again, so the others a burst opened stay idle and close; one the server closed
for idling (idle_session_timeout, as `make dev`'s server does) is replaced instead of failing the
unit of work; one a poller lets go before a long sleep is closed at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlsplit

import asyncpg
import pytest

from shared import db
from shared.settings import DatabaseSettings


class _Backend(db.AsyncpgUnitOfWork):
    def _bind(self, connection: asyncpg.Connection) -> None:
        self.connection = connection


async def _backend(pool: asyncpg.Pool, hold: float = 0.0) -> int:
    """The backend a unit of work ran on (holding its connection `hold` seconds)."""
    async with _Backend(pool) as unit:
        pid = await unit.connection.fetchval("SELECT pg_backend_pid()")
        await asyncio.sleep(hold)
        return int(pid)


async def _burst(pool: asyncpg.Pool, size: int) -> set[int]:
    return set(await asyncio.gather(*(_backend(pool, hold=0.05) for _ in range(size))))


async def test_at_low_traffic_the_most_recent_connection_is_used_again(
    make_database: Callable[[str], str],
) -> None:
    pool = await db.create_asyncpg_pool(DatabaseSettings(DATABASE_URL=make_database("pool_lifo")))
    try:
        burst = await _burst(pool, 3)
        used = {await _backend(pool) for _ in range(6)}
    finally:
        await pool.close()
    assert len(burst) == 3
    assert len(used) == 1  # first in, first out would have cycled through all three


async def test_a_burst_keeps_its_connections_for_the_next_one_and_waits_past_the_bound(
    make_database: Callable[[str], str],
) -> None:
    # DATABASE_POOL_SIZE 2: at most two connections, both kept. A connection closed as it came
    # back would make each burst open (and the server fork) its connections again.
    settings = DatabaseSettings(DATABASE_URL=make_database("pool_burst"), DATABASE_POOL_SIZE=2)
    pool = await db.create_asyncpg_pool(settings)
    try:
        first = await _burst(pool, 2)
        second = await _burst(pool, 2)
        busiest = await _burst(pool, 4)  # past the bound: two wait for a connection to come back
    finally:
        await pool.close()
    assert len(first) == 2
    assert second == first
    assert busiest == first


async def test_connections_the_server_closed_for_idling_are_replaced_not_failed(
    make_database: Callable[[str], str],
) -> None:
    url = make_database("pool_idle_closed")
    name = urlsplit(url).path.lstrip("/")
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f"ALTER DATABASE \"{name}\" SET idle_session_timeout = '300ms'")
    finally:
        await admin.close()
    # A server that closes idle sessions sooner than the pool does (IDLE_CONNECTION_SECONDS): each
    # unit of work's BEGIN finds its connection dead and is tried once more on a fresh one.
    pool = await db.create_asyncpg_pool(DatabaseSettings(DATABASE_URL=url))
    try:
        before = await _burst(pool, 3)
        await asyncio.sleep(1.0)  # every pooled connection is now closed by the server
        after = await _burst(pool, 3)
    finally:
        await pool.close()
    assert len(after) == 3
    assert not before & after


async def test_the_pool_closes_a_connection_idle_past_the_limit_itself(
    make_database: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # As at idle on the stack's server: the pool lets a connection go before the server would.
    monkeypatch.setattr(db, "IDLE_CONNECTION_SECONDS", 0.2)
    url = make_database("pool_idle_lifetime")
    pool = await db.create_asyncpg_pool(DatabaseSettings(DATABASE_URL=url))
    try:
        used = await _backend(pool)
        assert await _gone(url, used)
        assert pool.get_idle_size() == 0
    finally:
        await pool.close()


async def _alive(url: str, pid: int) -> bool:
    admin = await asyncpg.connect(url)
    try:
        return bool(await admin.fetchval("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", pid))
    finally:
        await admin.close()


async def _gone(url: str, pid: int) -> bool:
    """Whether the backend exits within a second (it does as its connection closes)."""
    for _ in range(50):
        if not await _alive(url, pid):
            return True
        await asyncio.sleep(0.02)
    return False


async def test_a_poller_lets_go_of_its_idle_asyncpg_connection_and_the_next_use_opens_another(
    make_database: Callable[[str], str],
) -> None:
    url = make_database("asyncpg_pool_let_go")
    pool = await db.create_asyncpg_pool(DatabaseSettings(DATABASE_URL=url))
    try:
        await db.close_idle_pooled_connection(pool)  # none open yet: nothing to do, none opened
        assert pool.get_idle_size() == 0
        async with pool.acquire() as conn:  # the poller's empty pass
            used = int(await conn.fetchval("SELECT pg_backend_pid()"))
        await db.close_idle_pooled_connection(pool)
        assert await _gone(url, used)
        assert pool.get_idle_size() == 0
        async with pool.acquire() as conn:
            assert int(await conn.fetchval("SELECT pg_backend_pid()")) != used
    finally:
        await pool.close()
