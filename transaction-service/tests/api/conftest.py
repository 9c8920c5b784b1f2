"""API tiers share one migrated database per session; this keeps one test's queued jobs from
running with another test's fakes."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from shared.db import create_engine
from shared.settings import DatabaseSettings


@pytest.fixture(autouse=True)
async def _no_leftover_jobs(migrated_database_url: str) -> None:
    engine = create_engine(DatabaseSettings(DATABASE_URL=migrated_database_url))  # type: ignore[call-arg]
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE work_queue SET delivered_at = now() WHERE delivered_at IS NULL"))
    await engine.dispose()
