from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from shared.settings import to_asyncpg_url


@pytest.fixture
async def sessions(migrated_database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(to_asyncpg_url(migrated_database_url))
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()
