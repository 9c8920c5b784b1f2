"""The unit-of-work engine's pool: a burst's connections are kept for the next burst (opening one
costs the database a new backend and every statement a new prepare); at low traffic the most
recent connection is used again, so the others a burst opened stay idle, and one the server closed
for idling (idle_session_timeout, as `make dev`'s server does) is replaced before use instead of
failing a statement; one a poller lets go before a long sleep is closed at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from urllib.parse import urlsplit

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared import db
from shared.db import create_engine
from shared.settings import DatabaseSettings


async def _backend(engine: AsyncEngine, hold: float = 0.0) -> int:
    async with engine.connect() as conn:
        pid = (await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one()
        await asyncio.sleep(hold)
        return int(pid)


async def _burst(engine: AsyncEngine, size: int) -> set[int]:
    return set(await asyncio.gather(*(_backend(engine, hold=0.05) for _ in range(size))))


async def test_at_low_traffic_the_most_recent_connection_is_used_again(
    make_database: Callable[[str], str],
) -> None:
    engine = create_engine(DatabaseSettings(DATABASE_URL=make_database("pool_lifo")))
    try:
        burst = await _burst(engine, 3)
        used = {await _backend(engine) for _ in range(6)}
    finally:
        await engine.dispose()
    assert len(burst) == 3
    assert len(used) == 1  # first in, first out would have cycled through all three


async def test_a_burst_past_the_pool_size_keeps_its_connections_for_the_next_one(
    make_database: Callable[[str], str],
) -> None:
    # DATABASE_POOL_SIZE 2: up to four connections, all kept. An overflow connection that is closed
    # as it comes back would make each burst open (and the server fork) its extra ones again.
    engine = create_engine(DatabaseSettings(DATABASE_URL=make_database("pool_burst"), DATABASE_POOL_SIZE=2))
    try:
        first = await _burst(engine, 4)
        second = await _burst(engine, 4)
        busiest = await _burst(engine, 6)  # past the bound: two wait for a connection to come back
    finally:
        await engine.dispose()
    assert len(first) == 4
    assert second == first
    assert busiest == first


async def test_connections_the_server_closed_for_idling_are_replaced_before_use(
    make_database: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = make_database("pool_idle_closed")
    name = urlsplit(url).path.lstrip("/")
    admin = await asyncpg.connect(url)
    try:
        await admin.execute(f"ALTER DATABASE \"{name}\" SET idle_session_timeout = '300ms'")
    finally:
        await admin.close()
    # As on the stack's server: the timeout is longer than the idle time that makes a ping.
    monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.1)
    engine = create_engine(DatabaseSettings(DATABASE_URL=url))
    try:
        before = await _burst(engine, 3)
        await asyncio.sleep(1.0)  # every pooled connection is now closed by the server
        after = await _burst(engine, 3)
    finally:
        await engine.dispose()
    assert len(after) == 3
    assert not before & after


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


async def test_a_poller_lets_go_of_its_idle_connection_and_the_next_use_opens_another(
    make_database: Callable[[str], str],
) -> None:
    url = make_database("pool_let_go")
    engine = create_engine(DatabaseSettings(DATABASE_URL=url))
    try:
        await db.close_idle_connection(engine)  # none in the pool yet: nothing to do
        used = await _backend(engine)  # the poller's empty pass
        await db.close_idle_connection(engine)
        assert await _gone(url, used)
        assert await _backend(engine) != used
    finally:
        await engine.dispose()


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
