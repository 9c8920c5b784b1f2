from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.db import metadata
from testkit.migrations import assert_stairway


def test_every_migration_goes_up_and_down(service_dir: Path, make_database: Callable[[str], str]) -> None:
    assert assert_stairway(service_dir, make_database("user_stairway")) == ["0001_profiles"]


async def test_the_migrations_build_exactly_the_tables_the_code_uses(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"version_table": "alembic_version_user"}), metadata
            )
        )
    assert differences == []
