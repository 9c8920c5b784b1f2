"""The delivery worker's question on a real PostgreSQL: the oldest due message, locked, and whether
another is due beside it, so that a round ends without a last empty question; a message another
worker holds is skipped but still counts as due. And, for a worker that found nothing, when the
earliest queued message is to be tried."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from adapters.unit_of_work import PgUnitOfWork
from shared.db import create_asyncpg_pool
from tests.conftest import make_settings

NOW = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)

INSERT_MESSAGE = """
INSERT INTO notifications (id, dedupe_key, event_id, channel, kind, recipient, language, body_text,
    attachments, status, attempts, next_attempt_at, history, created_at, updated_at)
VALUES (gen_random_uuid(), $1, gen_random_uuid(), 'email', 'order-created', 'siti@example.co.id',
    'id', 'Halo', '[]'::jsonb, $2, 0, $3, '[]'::jsonb, $3, $3)
"""


@pytest.fixture
async def database(migrated_database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(migrated_database_url)
    await connection.execute("TRUNCATE notifications, received_events")
    try:
        yield connection
    finally:
        await connection.execute("TRUNCATE notifications, received_events")
        await connection.close()


@pytest.fixture
async def pool(migrated_database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_asyncpg_pool(make_settings(migrated_database_url).database)
    try:
        yield pool
    finally:
        await pool.close()


async def test_the_oldest_due_message_comes_with_whether_another_is_due(
    database: asyncpg.Connection,
    pool: asyncpg.Pool,
) -> None:
    async with PgUnitOfWork(pool) as uow:
        assert await uow.next_due(NOW) == (None, False)
    await database.execute(INSERT_MESSAGE, "first", "queued", NOW - timedelta(seconds=2))
    await database.execute(INSERT_MESSAGE, "sent", "sent", NOW - timedelta(seconds=3))
    await database.execute(INSERT_MESSAGE, "later", "queued", NOW + timedelta(seconds=60))
    async with PgUnitOfWork(pool) as uow:
        message, more = await uow.next_due(NOW)
        assert message is not None
        assert (message.dedupe_key, more) == ("first", False)  # sent and not yet due: not counted
    await database.execute(INSERT_MESSAGE, "second", "queued", NOW - timedelta(seconds=1))
    async with PgUnitOfWork(pool) as uow:
        message, more = await uow.next_due(NOW)
        assert message is not None
        assert (message.dedupe_key, more) == ("first", True)
        # Another worker meanwhile skips the locked one, takes the second, and still hears that
        # one more (the locked one) is due.
        async with PgUnitOfWork(pool) as other:
            taken, also = await other.next_due(NOW)
            assert taken is not None
            assert (taken.dedupe_key, also) == ("second", True)


async def test_the_earliest_queued_attempt_due_or_not_is_when_an_idle_worker_looks_again(
    database: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    async with PgUnitOfWork(pool) as uow:
        assert await uow.next_attempt_at() is None
    await database.execute(INSERT_MESSAGE, "sent", "sent", NOW - timedelta(seconds=3))
    await database.execute(INSERT_MESSAGE, "later", "queued", NOW + timedelta(seconds=60))
    await database.execute(INSERT_MESSAGE, "soon", "queued", NOW + timedelta(seconds=8))
    async with PgUnitOfWork(pool) as uow:
        assert await uow.next_attempt_at() == NOW + timedelta(seconds=8)
