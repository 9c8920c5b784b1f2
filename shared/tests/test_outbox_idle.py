"""A running relay at idle on a real PostgreSQL: it backs off instead of claiming rows every poll
interval, yet a wake-up still delivers at once and a retry due later goes at its due time."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import cast

import asyncpg
import pytest
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.outbox import OutboxEvent, OutboxRelay
from shared.schema import outbox_table
from shared.settings import to_asyncpg_url
from testkit.postgres import CountingPool, asyncpg_pool, sessions_with_tables
from testkit.running import running

metadata = MetaData()
outbox = outbox_table(metadata)
BASE = 0.05


@pytest.fixture
def database_url(make_database: Callable[[str], str]) -> str:
    return to_asyncpg_url(make_database("outbox_idle"))


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with sessions_with_tables(database_url, metadata) as made:
        yield made


@pytest.fixture
async def pool(database_url: str, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[CountingPool]:
    """Each of the relay's passes takes one connection for its claim: the times it took one are
    the times of its claims."""
    async with asyncpg_pool(database_url) as made:
        yield CountingPool(made)


async def _add(sessions: async_sessionmaker[AsyncSession], n: int) -> None:
    async with sessions() as session, session.begin():
        await session.execute(outbox.insert().values(id=uuid.uuid4(), topic="t", payload={"n": n}))


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_an_idle_relay_backs_off_yet_delivers_at_once_when_woken(
    sessions: async_sessionmaker[AsyncSession], pool: CountingPool, concurrency: int
) -> None:
    claims = pool.taken
    delivered: dict[int, float] = {}

    async def deliver(e: OutboxEvent) -> None:
        delivered[e.payload["n"]] = time.monotonic()

    relay = OutboxRelay(
        cast(asyncpg.Pool, pool),
        outbox.name,
        deliver,
        poll_interval=BASE,
        idle_ceiling_seconds=30,
        concurrency=concurrency,
    )
    async with running(relay):
        await asyncio.sleep(2.0)
        # Every 50 ms that would be 40 claims; doubling from 50 ms, passes at 0, 0.05, 0.15,
        # 0.35, 0.75 and 1.55 s.
        assert 4 <= len(claims) <= 8
        idle_claims = len(claims)
        await _add(sessions, 1)
        woken_at = time.monotonic()
        relay.wake()
        for _ in range(100):
            if 1 in delivered:
                break
            await asyncio.sleep(0.01)
        assert delivered[1] - woken_at < 0.5
    assert len(claims) <= idle_claims + 3


async def test_a_retry_due_later_goes_at_its_due_time_while_idle(
    sessions: async_sessionmaker[AsyncSession], pool: CountingPool
) -> None:
    attempts: list[float] = []

    async def fails_once(e: OutboxEvent) -> None:
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            raise RuntimeError("consumer down")

    # The failed row's next attempt: 1 s later (the back-off capped at 1 s).
    relay = OutboxRelay(
        cast(asyncpg.Pool, pool),
        outbox.name,
        fails_once,
        poll_interval=BASE,
        idle_ceiling_seconds=30,
        max_backoff_seconds=1.0,
    )
    async with running(relay):
        await asyncio.sleep(2.0)  # idle: the next empty pass would now wait 3.2 s, then 6.4 s…
        await _add(sessions, 1)
        relay.wake()
        for _ in range(400):
            if len(attempts) == 2:
                break
            await asyncio.sleep(0.01)
    assert len(attempts) == 2
    assert 0.9 <= attempts[1] - attempts[0] < 2.0
