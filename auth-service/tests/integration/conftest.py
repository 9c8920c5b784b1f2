from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.db import create_asyncpg_pool
from shared.settings import DatabaseSettings


@pytest.fixture
async def pool(migrated_database_url: str) -> AsyncIterator[asyncpg.Pool]:
    """The asyncpg pool the service's units of work run on (app.py builds its own the same way)."""
    database = await create_asyncpg_pool(
        DatabaseSettings(DATABASE_URL=migrated_database_url, DATABASE_POOL_SIZE=4)  # type: ignore[call-arg]
    )
    yield database
    await database.close()
