"""The outbox on a real PostgreSQL: events written in a transaction are delivered after commit,
failed deliveries back off and retry, and a rolled-back change announces nothing."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.outbox import (
    OutboxEvent,
    OutboxRelay,
    add_event_on_connection,
    add_event_once_on_connection,
)
from shared.schema import outbox_table
from shared.settings import to_asyncpg_url
from testkit.postgres import asyncpg_pool, sessions_with_tables
from testkit.running import until

metadata = MetaData()
outbox = outbox_table(metadata)


@pytest.fixture
def database_url(make_database: Callable[[str], str]) -> str:
    return to_asyncpg_url(make_database("outbox"))


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Writes the events, as the services' units of work do."""
    async with sessions_with_tables(database_url, metadata) as made:
        yield made


@pytest.fixture
async def pool(database_url: str, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[asyncpg.Pool]:
    """The relay's (made once `sessions` has made the tables)."""
    async with asyncpg_pool(database_url) as made:
        yield made


async def test_committed_events_are_delivered_once_and_rolled_back_ones_never(
    sessions: async_sessionmaker[AsyncSession], pool: asyncpg.Pool
) -> None:
    delivered: list[OutboxEvent] = []

    async def deliver(event: OutboxEvent) -> None:
        delivered.append(event)

    async with pool.acquire() as connection, connection.transaction():
        await add_event_on_connection(connection, outbox.name, "account.registered", {"account_id": "a1"})
    async with pool.acquire() as connection:
        transaction = connection.transaction()
        await transaction.start()
        await add_event_on_connection(
            connection, outbox.name, "account.registered", {"account_id": "rolled-back"}
        )
        await transaction.rollback()

    relay = OutboxRelay(pool, outbox.name, deliver)
    assert await relay.deliver_due() == 1
    assert await relay.deliver_due() == 0
    assert [e.payload for e in delivered] == [{"account_id": "a1"}]
    assert delivered[0].envelope()["topic"] == "account.registered"


async def test_failed_deliveries_back_off_and_are_retried(
    sessions: async_sessionmaker[AsyncSession], pool: asyncpg.Pool
) -> None:
    attempts = 0

    async def flaky(event: OutboxEvent) -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("consumer down")

    async with pool.acquire() as connection, connection.transaction():
        await add_event_on_connection(connection, outbox.name, "t", {"n": 1})
    relay = OutboxRelay(pool, outbox.name, flaky)
    assert await relay.deliver_due() == 0
    async with sessions() as session:
        row = (await session.execute(select(outbox))).one()
        assert row.attempts == 1
        assert row.delivered_at is None
        assert "consumer down" in row.last_error
        # Not due yet: the back-off holds it.
        assert await relay.deliver_due() == 0
        await session.execute(outbox.update().values(next_attempt_at=row.created_at))
        await session.commit()
    assert await relay.deliver_due() == 1


async def test_the_running_relay_delivers_when_woken(
    sessions: async_sessionmaker[AsyncSession], pool: asyncpg.Pool
) -> None:
    got = asyncio.Event()

    async def deliver(event: OutboxEvent) -> None:
        got.set()

    relay = OutboxRelay(pool, outbox.name, deliver, poll_interval=30)
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.1)
        async with pool.acquire() as connection, connection.transaction():
            await add_event_on_connection(connection, outbox.name, "t", {})
        relay.wake()
        await asyncio.wait_for(got.wait(), 5)
    finally:
        task.cancel()


async def test_the_same_fact_added_twice_concurrently_becomes_one_event(
    sessions: async_sessionmaker[AsyncSession], pool: asyncpg.Pool
) -> None:
    event_id = uuid.uuid5(uuid.NAMESPACE_URL, "midtrans:order-1:settlement")

    async def add() -> bool:
        async with pool.acquire() as connection, connection.transaction():
            return await add_event_once_on_connection(
                connection, outbox.name, OutboxEvent.new("payment.status_changed", {"n": 1}, event_id)
            )

    results = await asyncio.gather(*(add() for _ in range(10)))
    assert sorted(results) == [False] * 9 + [True]
    async with sessions() as session:
        rows = (await session.execute(select(outbox.c.id))).scalars().all()
    assert rows == [event_id]


def test_a_second_table_of_the_same_shape_can_be_named() -> None:
    jobs = outbox_table(MetaData(), name="work_queue")
    assert jobs.name == "work_queue"
    assert [c.name for c in jobs.columns] == [c.name for c in outbox.columns]


async def test_a_concurrent_relay_delivers_a_new_event_while_another_delivery_is_slow(
    sessions: async_sessionmaker[AsyncSession], pool: asyncpg.Pool
) -> None:
    release = asyncio.Event()
    delivered: list[str] = []

    async def deliver(event: OutboxEvent) -> None:
        if event.payload["order_id"] == "slow":
            await release.wait()
        delivered.append(event.payload["order_id"])

    async with pool.acquire() as connection, connection.transaction():
        await add_event_on_connection(connection, outbox.name, "t", {"order_id": "slow"})
    relay = OutboxRelay(pool, outbox.name, deliver, poll_interval=30, concurrency=4)
    task = asyncio.create_task(relay.run())
    try:
        await asyncio.sleep(0.2)  # the first pass is now waiting on "slow"
        async with pool.acquire() as connection, connection.transaction():
            await add_event_on_connection(connection, outbox.name, "t", {"order_id": "fast"})
        relay.wake()
        await until(lambda: delivered == ["fast"])
        release.set()
        await until(lambda: delivered == ["fast", "slow"])
        await asyncio.sleep(0.2)  # its row is marked when the pass commits
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    async with sessions() as session:
        rows = (await session.execute(select(outbox.c.delivered_at, outbox.c.attempts))).all()
    assert [(row.delivered_at is not None, row.attempts) for row in rows] == [(True, 1), (True, 1)]
    assert delivered == ["fast", "slow"]


async def test_one_subjects_events_keep_their_order_across_concurrent_passes(
    sessions: async_sessionmaker[AsyncSession], pool: asyncpg.Pool
) -> None:
    first_started = asyncio.Event()
    release = asyncio.Event()
    order: list[int] = []

    async def deliver(event: OutboxEvent) -> None:
        if event.payload["n"] == 1:
            first_started.set()
            await release.wait()
        order.append(event.payload["n"])

    relay = OutboxRelay(pool, outbox.name, deliver, concurrency=4)
    async with pool.acquire() as connection, connection.transaction():
        await add_event_on_connection(connection, outbox.name, "t", {"order_id": "o1", "n": 1})
    first = asyncio.create_task(relay.deliver_due())
    await first_started.wait()
    async with pool.acquire() as connection, connection.transaction():
        await add_event_on_connection(connection, outbox.name, "t", {"order_id": "o1", "n": 2})
        await add_event_on_connection(connection, outbox.name, "t", {"order_id": "o2", "n": 3})
    second = asyncio.create_task(relay.deliver_due())
    await until(lambda: order == [3])  # another order's event goes at once
    await asyncio.sleep(0.2)
    assert order == [3]  # o1's second event waits for its first
    release.set()
    assert (await first, await second) == (1, 2)
    assert order == [3, 1, 2]
