"""The broker and Redis tiers need the real servers at RABBITMQ_URL and REDIS_URL; without them
tools/run_tests.py says which tier did not run and why."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable

import asyncpg
import pytest
from sqlalchemy import MetaData

from shared.schema import outbox_table
from shared.settings import to_asyncpg_url
from testkit.postgres import asyncpg_pool, sessions_with_tables

collect_ignore = [
    *([] if os.environ.get("RABBITMQ_URL") else ["test_event_topology_broker.py"]),
    *([] if os.environ.get("REDIS_URL") else ["test_rate_limit_redis.py"]),
]


@pytest.fixture
async def outbox_pool(
    make_database: Callable[[str], str], request: pytest.FixtureRequest
) -> AsyncIterator[asyncpg.Pool]:
    """A database of the test module's own with one table `outbox` (shared.schema.outbox_table),
    and an asyncpg pool on it, as the services give their relays theirs."""
    url = to_asyncpg_url(make_database(request.module.__name__.rsplit(".", 1)[-1]))
    metadata = MetaData()
    outbox_table(metadata)
    async with sessions_with_tables(url, metadata), asyncpg_pool(url) as pool:
        yield pool
