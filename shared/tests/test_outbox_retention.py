"""Retention of delivered outbox rows on a real PostgreSQL: rows delivered longer ago than the
retention go, in batches until a batch is short; rows delivered recently and rows never
delivered (however old) stay; two purges at once neither fail nor delete a row twice."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import cast

import asyncpg
import pytest
from sqlalchemy import MetaData, Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.outbox import OutboxRetention
from shared.schema import outbox_table
from shared.settings import to_asyncpg_url
from testkit.postgres import asyncpg_pool, sessions_with_tables

metadata = MetaData()
outbox = outbox_table(metadata)
work_queue = outbox_table(metadata, name="work_queue")

RETENTION = timedelta(days=30)


@pytest.fixture
def database_url(make_database: Callable[[str], str]) -> str:
    return to_asyncpg_url(make_database("outbox_retention"))


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Seeds and reads the rows (made the tables)."""
    async with sessions_with_tables(database_url, metadata) as made:
        yield made


@pytest.fixture
async def pool(database_url: str, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[asyncpg.Pool]:
    """The retention's, as the services give it theirs."""
    async with asyncpg_pool(database_url) as made:
        yield made


async def add_rows(
    sessions: async_sessionmaker[AsyncSession],
    n: int,
    *,
    created_days_ago: float,
    delivered_days_ago: float | None,
    table: Table = outbox,
) -> set[uuid.UUID]:
    ids = {uuid.uuid4() for _ in range(n)}
    delivered = None if delivered_days_ago is None else func.now() - timedelta(days=delivered_days_ago)
    async with sessions() as session, session.begin():
        for row_id in ids:
            await session.execute(
                table.insert().values(
                    id=row_id,
                    topic="payment.status_changed",
                    payload={"email": "buyer@example.com"},
                    created_at=func.now() - timedelta(days=created_days_ago),
                    delivered_at=delivered,
                )
            )
    return ids


async def remaining(sessions: async_sessionmaker[AsyncSession], table: Table = outbox) -> set[uuid.UUID]:
    async with sessions() as session:
        return set((await session.execute(select(table.c.id))).scalars())


async def test_old_delivered_rows_go_recent_and_undelivered_ones_stay(
    sessions: async_sessionmaker[AsyncSession],
    pool: asyncpg.Pool,
) -> None:
    old = await add_rows(sessions, 3, created_days_ago=40, delivered_days_ago=31)
    recent = await add_rows(sessions, 2, created_days_ago=40, delivered_days_ago=29)
    # Never delivered, however old: still the queue.
    pending = await add_rows(sessions, 2, created_days_ago=3650, delivered_days_ago=None)

    retention = OutboxRetention(pool, [outbox.name], RETENTION)
    assert await retention.purge_expired() == len(old)
    assert await remaining(sessions) == recent | pending
    assert await retention.purge_expired() == 0


class CountingRetention(OutboxRetention):
    batches = 0

    async def _purge_batch(self, t: str) -> int:
        self.batches += 1
        return await super()._purge_batch(t)


async def test_batches_loop_until_one_comes_back_short(
    sessions: async_sessionmaker[AsyncSession],
    pool: asyncpg.Pool,
) -> None:
    old = await add_rows(sessions, 7, created_days_ago=60, delivered_days_ago=45)
    kept = await add_rows(sessions, 1, created_days_ago=60, delivered_days_ago=1)
    retention = CountingRetention(pool, [outbox.name], RETENTION, batch_size=2)
    assert await retention.purge_expired() == len(old)
    assert retention.batches == 4  # 2 + 2 + 2 + 1 (short: done)
    assert await remaining(sessions) == kept


async def test_every_table_given_is_purged(
    sessions: async_sessionmaker[AsyncSession], pool: asyncpg.Pool
) -> None:
    await add_rows(sessions, 2, created_days_ago=60, delivered_days_ago=45)
    await add_rows(sessions, 3, created_days_ago=60, delivered_days_ago=45, table=work_queue)
    pending_jobs = await add_rows(sessions, 1, created_days_ago=60, delivered_days_ago=None, table=work_queue)
    assert await OutboxRetention(pool, [outbox.name, work_queue.name], RETENTION).purge_expired() == 5
    assert await remaining(sessions) == set()
    assert await remaining(sessions, work_queue) == pending_jobs


async def test_two_purges_at_once_neither_fail_nor_delete_a_row_twice(
    sessions: async_sessionmaker[AsyncSession],
    pool: asyncpg.Pool,
) -> None:
    old = await add_rows(sessions, 250, created_days_ago=60, delivered_days_ago=45)
    kept = await add_rows(sessions, 5, created_days_ago=60, delivered_days_ago=None)
    replicas = [OutboxRetention(pool, [outbox.name], RETENTION, batch_size=10) for _ in range(2)]
    counts = await asyncio.gather(*(r.purge_expired() for r in replicas))
    assert sum(counts) == len(old)
    assert await remaining(sessions) == kept


async def test_a_row_another_transaction_holds_is_skipped_not_waited_for(
    sessions: async_sessionmaker[AsyncSession],
    pool: asyncpg.Pool,
) -> None:
    held = await add_rows(sessions, 1, created_days_ago=60, delivered_days_ago=45)
    free = await add_rows(sessions, 1, created_days_ago=60, delivered_days_ago=45)
    (held_id,) = held
    async with sessions() as holder, holder.begin():
        await holder.execute(text("SELECT id FROM outbox WHERE id = :id FOR UPDATE"), {"id": held_id})
        purged = await asyncio.wait_for(OutboxRetention(pool, [outbox.name], RETENTION).purge_expired(), 5)
        assert purged == 1
    assert await remaining(sessions) == held
    assert free.isdisjoint(await remaining(sessions))


async def test_the_forever_loop_logs_what_it_purged(
    sessions: async_sessionmaker[AsyncSession], pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="shared.outbox")
    await add_rows(sessions, 2, created_days_ago=60, delivered_days_ago=45)
    task = asyncio.create_task(OutboxRetention(pool, [outbox.name], RETENTION).purge_forever(3600))
    for _ in range(100):
        if not await remaining(sessions):
            break
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await remaining(sessions) == set()
    assert "purged 2 delivered outbox rows" in [r.getMessage() for r in caplog.records]


def test_a_retention_under_a_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="positive retention"):
        OutboxRetention(cast(asyncpg.Pool, object()), [outbox.name], timedelta(0))
