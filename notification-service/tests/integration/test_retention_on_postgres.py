"""Retention on a real PostgreSQL: old finished messages and old received event ids go in
batches, queued or recent ones stay, several purgers at once share the work without deleting a
row twice or waiting on each other, and a row another transaction holds is left for later."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from adapters.unit_of_work import PgUnitOfWork
from domain.retention import PurgeOldRecords, RetentionPolicy
from shared.db import create_asyncpg_pool
from tests.conftest import make_settings

NOW = datetime(2026, 12, 4, 7, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=91)
RECENT = NOW - timedelta(days=89)

INSERT_MESSAGES = """
INSERT INTO notifications (id, dedupe_key, event_id, channel, kind, recipient, language, body_text,
    attachments, status, attempts, next_attempt_at, history, created_at, updated_at)
SELECT gen_random_uuid(), $1 || ':' || i, gen_random_uuid(), 'email', 'order-created',
    'siti@example.co.id', 'id', 'Halo', '[]'::jsonb, $2, 1, $3, '[]'::jsonb, $3, $3
FROM generate_series(1, $4) AS i
"""
INSERT_EVENTS = """
INSERT INTO received_events (event_id, topic, received_at)
SELECT gen_random_uuid(), 'transaction.created', $1 FROM generate_series(1, $2)
"""


@pytest.fixture
async def database(migrated_database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(migrated_database_url)
    await connection.execute("TRUNCATE notifications, received_events")
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
async def pool(migrated_database_url: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_asyncpg_pool(make_settings(migrated_database_url).database)
    try:
        yield pool
    finally:
        await pool.close()


def purger(pool: asyncpg.Pool, batch_size: int) -> PurgeOldRecords:
    return PurgeOldRecords(
        lambda: PgUnitOfWork(pool),
        lambda: NOW,
        RetentionPolicy(messages_days=90, events_days=90, batch_size=batch_size),
    )


async def counts(database: asyncpg.Connection) -> dict[str, int]:
    rows = await database.fetch(
        "SELECT status || CASE WHEN updated_at < $1 THEN ':old' ELSE ':recent' END AS k, count(*) "
        "FROM notifications GROUP BY 1",
        NOW - timedelta(days=90),
    )
    return {r["k"]: r["count"] for r in rows}


async def test_old_finished_messages_and_event_ids_go_in_batches_and_the_rest_stays(
    database: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    await database.execute(INSERT_MESSAGES, "sent-old", "sent", OLD, 1200)
    await database.execute(INSERT_MESSAGES, "failed-old", "failed", OLD, 30)
    await database.execute(INSERT_MESSAGES, "queued-old", "queued", OLD, 5)  # still owed
    await database.execute(INSERT_MESSAGES, "sent-recent", "sent", RECENT, 7)
    await database.execute(INSERT_EVENTS, OLD, 640)
    await database.execute(INSERT_EVENTS, RECENT, 9)

    purged = await purger(pool, batch_size=500).purge_once()

    assert (purged.messages, purged.events) == (1230, 640)
    assert await counts(database) == {"queued:old": 5, "sent:recent": 7}
    assert await database.fetchval("SELECT count(*) FROM received_events") == 9
    again = await purger(pool, batch_size=500).purge_once()
    assert (again.messages, again.events) == (0, 0)


async def test_replicas_purging_at_once_share_the_rows_and_delete_each_once(
    database: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    await database.execute(INSERT_MESSAGES, "sent-old", "sent", OLD, 900)
    await database.execute(INSERT_EVENTS, OLD, 700)
    results = await asyncio.wait_for(
        asyncio.gather(*(purger(pool, batch_size=50).purge_once() for _ in range(3))), timeout=60
    )
    assert sum(r.messages for r in results) == 900
    assert sum(r.events for r in results) == 700
    assert await database.fetchval("SELECT count(*) FROM notifications") == 0


async def test_a_row_another_transaction_holds_is_skipped_not_waited_for(
    database: asyncpg.Connection, pool: asyncpg.Pool, migrated_database_url: str
) -> None:
    await database.execute(INSERT_MESSAGES, "sent-old", "sent", OLD, 3)
    holder = await asyncpg.connect(migrated_database_url)
    try:
        held = holder.transaction()
        await held.start()
        locked = await holder.fetchval("SELECT id FROM notifications ORDER BY dedupe_key LIMIT 1 FOR UPDATE")
        purged = await asyncio.wait_for(purger(pool, batch_size=500).purge_once(), timeout=10)
        assert purged.messages == 2
        assert await database.fetchval("SELECT id FROM notifications") == locked
        await held.rollback()
    finally:
        await holder.close()
    assert (await purger(pool, batch_size=500).purge_once()).messages == 1


def test_event_ids_are_kept_at_least_a_week() -> None:
    with pytest.raises(ValueError, match="at least 7 days"):
        RetentionPolicy(events_days=1)
    with pytest.raises(ValueError, match="at least one day"):
        RetentionPolicy(messages_days=0)
