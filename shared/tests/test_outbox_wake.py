"""A running relay and its wake-ups on a real PostgreSQL: a row committed and woken while a pass
has yet to send its claim goes out with that pass, and no empty pass follows; one woken after the
claim went out gets a pass of its own. Each pass takes one connection from the pool: the
connections taken count the passes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import asyncpg
import pytest
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.outbox import OutboxEvent, OutboxRelay
from shared.schema import outbox_table
from shared.settings import to_asyncpg_url
from testkit.postgres import CountingPool, asyncpg_pool, sessions_with_tables
from testkit.running import running, until

metadata = MetaData()
outbox = outbox_table(metadata)


class Broken:
    """A connection whose claim fails (the database went away under it)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection

    def __getattr__(self, name: str) -> Any:
        return getattr(self.connection, name)

    async def fetch(self, *args: Any) -> Any:
        raise ConnectionError("the database went away")


class BreakingPool(CountingPool):
    """Its connections' claims fail: the first one's, or (`always`) every one's."""

    def __init__(self, pool: asyncpg.Pool, *, always: bool = False) -> None:
        super().__init__(pool)
        self.always = always

    async def acquire(self, **kwargs: Any) -> Any:
        connection = await super().acquire(**kwargs)
        return Broken(connection) if self.always or len(self.taken) == 1 else connection

    async def release(self, connection: Any) -> None:
        await super().release(connection.connection if isinstance(connection, Broken) else connection)


@pytest.fixture
def database_url(make_database: Callable[[str], str]) -> str:
    return to_asyncpg_url(make_database("outbox_wake"))


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with sessions_with_tables(database_url, metadata) as made:
        yield made


@pytest.fixture
async def pool(database_url: str, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[CountingPool]:
    async with asyncpg_pool(database_url) as made:
        yield CountingPool(made)


async def _add(sessions: async_sessionmaker[AsyncSession], n: int) -> None:
    async with sessions() as session, session.begin():
        await session.execute(outbox.insert().values(id=uuid.uuid4(), topic="t", payload={"n": n}))


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_a_row_woken_before_a_pass_sends_its_claim_goes_with_that_pass_and_no_empty_pass_follows(
    sessions: async_sessionmaker[AsyncSession], pool: CountingPool, concurrency: int
) -> None:
    delivered: list[int] = []

    async def deliver(event: OutboxEvent) -> None:
        delivered.append(event.payload["n"])

    # Polls only every 30 s: any further pass here would be a wake-up's.
    relay = OutboxRelay(
        cast(asyncpg.Pool, pool), outbox.name, deliver, poll_interval=30, concurrency=concurrency
    )
    pool.gate.clear()
    async with running(relay):
        await until(lambda: len(pool.taken) == 1)  # the first pass waits for its connection
        await _add(sessions, 1)
        relay.wake()
        await asyncio.sleep(0.2)
        assert len(pool.taken) == 1  # the wake-up waits for the claim under way
        pool.gate.set()
        await until(lambda: delivered == [1])
        await asyncio.sleep(0.5)
    assert len(pool.taken) == 1
    assert delivered == [1]


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_a_row_woken_after_a_pass_sent_its_claim_gets_another_pass(
    sessions: async_sessionmaker[AsyncSession], pool: CountingPool, concurrency: int
) -> None:
    delivered: list[int] = []

    async def deliver(event: OutboxEvent) -> None:
        n = event.payload["n"]
        if n == 1:  # the claim has gone out: this row is committed and woken too late for it
            await _add(sessions, 2)
            relay.wake()
        delivered.append(n)

    relay = OutboxRelay(
        cast(asyncpg.Pool, pool), outbox.name, deliver, poll_interval=30, concurrency=concurrency
    )
    await _add(sessions, 1)
    async with running(relay):
        await until(lambda: delivered == [1, 2])
        await asyncio.sleep(0.5)
    assert len(pool.taken) == 2
    assert delivered == [1, 2]


async def test_a_pass_that_fails_after_taking_a_wake_up_rings_it_again(
    sessions: async_sessionmaker[AsyncSession], pool: CountingPool
) -> None:
    attempts: list[int] = []

    async def deliver(event: OutboxEvent) -> None:
        attempts.append(event.payload["n"])

    breaking = BreakingPool(pool.pool)
    relay = OutboxRelay(cast(asyncpg.Pool, breaking), outbox.name, deliver, poll_interval=30)
    breaking.gate.clear()
    async with running(relay):
        await until(lambda: len(breaking.taken) == 1)  # the first pass waits for its connection
        await _add(sessions, 1)
        relay.wake()  # left to that pass's claim, which fails
        breaking.gate.set()
        await until(lambda: attempts == [1])
    assert len(breaking.taken) == 2  # the failed pass, and the one it rang for


async def test_a_relay_whose_claims_keep_failing_backs_off_after_a_wake_up(
    sessions: async_sessionmaker[AsyncSession], pool: CountingPool
) -> None:
    async def deliver(event: OutboxEvent) -> None:
        raise AssertionError("no claim succeeds")

    failing = BreakingPool(pool.pool, always=True)
    relay = OutboxRelay(cast(asyncpg.Pool, failing), outbox.name, deliver, poll_interval=0.05)
    async with running(relay):
        await asyncio.sleep(0.3)
        before = len(failing.taken)
        relay.wake()
        await asyncio.sleep(0.5)
    # The woken pass fails at its claim and rings nothing again: the back-off (0.05 s, doubling)
    # sets the next passes, not a loop of passes at once.
    assert len(failing.taken) - before <= 4
