"""The migrations build exactly the tables adapters/tables.py declares, as Alembic compares them
(tables, columns, indexes and their columns; not an index's WHERE nor a CHECK), so that the
statements written against the declaration find what they expect. The stairway (every revision
up, down and up again) is the service shell's."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

from adapters.tables import metadata
from shared.settings import DatabaseSettings


async def test_the_migrations_build_exactly_the_tables_the_code_uses(migrated_database_url: str) -> None:
    # Alembic compares on SQLAlchemy's connection: the test's own engine, not the service's pool.
    engine = create_async_engine(DatabaseSettings(DATABASE_URL=migrated_database_url).async_url)  # type: ignore[call-arg]
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"version_table": "alembic_version_notification"}),
                    metadata,
                )
            )
    finally:
        await engine.dispose()
    assert differences == []
