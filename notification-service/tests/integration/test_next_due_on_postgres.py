"""The delivery worker's question on a real PostgreSQL: the oldest due message, locked, and whether
another is due beside it, so that a round ends without a last empty question; a message another
worker holds is skipped but still counts as due. And, for a worker that found nothing, when the
earliest queued message is to be tried. Over a realistic table (a backlog of wide due messages
beside the sent ones) the question reads a row or two in the index's order and sorts nothing:
its cost does not grow with the backlog."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from adapters.unit_of_work import NEXT_DUE, PgUnitOfWork
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


# `sent` finished messages and then `queued` ones, all due, a second apart, each as wide as a
# rendered email (~2 KB of text that does not compress).
FILL = """
INSERT INTO notifications (id, dedupe_key, event_id, channel, kind, recipient, language, subject,
    body_text, body_html, attachments, status, attempts, next_attempt_at, history, created_at, updated_at)
SELECT gen_random_uuid(), 'order:' || n || ':order-created:email', gen_random_uuid(), 'email',
    'order-created', 'siti@example.co.id', 'id', 'Pesanan', left(body, 500), body, '[]'::jsonb,
    CASE WHEN n <= $1 THEN 'sent' ELSE 'queued' END, 1, at, '[]'::jsonb, at, at
FROM generate_series(1, $1::int + $2::int) AS n,
    LATERAL (SELECT $3::timestamptz - ($1::int + $2::int - n) * interval '1 second' AS at) AS times,
    LATERAL (SELECT string_agg(md5(n || ':' || i), '') AS body FROM generate_series(1, 48) AS i) AS bodies
"""


def nodes(plan: dict[str, object]) -> Iterator[dict[str, object]]:
    yield plan
    for child in plan.get("Plans", []):  # type: ignore[attr-defined]
        yield from nodes(child)


async def test_over_a_backlog_the_question_reads_a_row_or_two_and_sorts_nothing(
    database: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    await database.execute(FILL, 1000, 500, NOW - timedelta(seconds=1))
    await database.execute("ANALYZE notifications")
    # The plan asyncpg's prepared statement starts with and the one it may settle on.
    for mode in ("force_custom_plan", "force_generic_plan"):
        transaction = database.transaction()
        await transaction.start()
        try:
            await database.execute(f"SET LOCAL plan_cache_mode = {mode}")
            explained = await database.fetchval("EXPLAIN (ANALYZE, FORMAT JSON) " + NEXT_DUE, NOW)
        finally:
            await transaction.rollback()
        plan = json.loads(explained)[0]["Plan"]
        assert [n["Node Type"] for n in nodes(plan) if "Sort" in str(n["Node Type"])] == [], mode
        scans = [n for n in nodes(plan) if str(n["Node Type"]).endswith("Scan")]
        # The message taken, and a second due one (more_due): each an index scan that stops at once.
        assert {(n["Node Type"], n.get("Index Name")) for n in scans} <= {
            ("Index Scan", "ix_notifications_due"),
            ("Index Only Scan", "ix_notifications_due"),
        }, (mode, scans)
        assert all(int(n["Actual Rows"]) <= 2 for n in scans), (mode, scans)  # type: ignore[call-overload]
    async with PgUnitOfWork(pool) as uow:
        message, more = await uow.next_due(NOW)
        assert message is not None
        assert (message.dedupe_key, more) == ("order:1001:order-created:email", True)
