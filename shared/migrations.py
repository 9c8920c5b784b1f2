"""What every service's `migrations/env.py` does: run its own Alembic history against its own
database (from DATABASE_URL, or the URL handed in by a test), async, in one transaction."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from alembic import context
from sqlalchemy import MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from shared.settings import to_asyncpg_url


def _database_url() -> str:
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url and os.environ.get("DATABASE_URL_FILE"):
        # The same `*_FILE` convention as the services' settings (a Docker secret holding the URL).
        url = Path(os.environ["DATABASE_URL_FILE"]).read_text(encoding="utf-8").strip()
    if not url:
        raise RuntimeError("set DATABASE_URL (or DATABASE_URL_FILE) to the service's database")
    return to_asyncpg_url(url)


def run_env(target_metadata: MetaData | None, version_table: str) -> None:
    if context.is_offline_mode():
        context.configure(
            url=_database_url(),
            target_metadata=target_metadata,
            version_table=version_table,
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return

    def do_run(connection: Connection) -> None:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            version_table=version_table,
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            context.run_migrations()

    async def run_async() -> None:
        engine = create_async_engine(_database_url(), poolclass=pool.NullPool)
        async with engine.connect() as connection:
            await connection.run_sync(do_run)
            await connection.commit()
        await engine.dispose()

    connection = context.config.attributes.get("connection")
    if connection is not None:
        do_run(connection)
    else:
        asyncio.run(run_async())
