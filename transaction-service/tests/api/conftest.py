"""API tiers share one migrated database per session; this keeps one test's queued jobs from
running with another test's fakes."""

from __future__ import annotations

import asyncpg
import pytest


@pytest.fixture(autouse=True)
async def _no_leftover_jobs(migrated_database_url: str) -> None:
    connection = await asyncpg.connect(migrated_database_url)
    try:
        await connection.execute("UPDATE work_queue SET delivered_at = now() WHERE delivered_at IS NULL")
    finally:
        await connection.close()
