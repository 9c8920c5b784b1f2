"""A real PostgreSQL for tests: `TEST_DATABASE_URL` when given, else an embedded one
(devstack/embedded_postgres.py).

Each suite gets databases of its own (random names), so suites can run side by side on one
server and nothing depends on what another test left behind.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from devstack import embedded_postgres
from shared.db import create_asyncpg_pool
from shared.settings import DatabaseSettings


class PostgresServer:
    """Owns (or borrows) one server; `create_database()` hands out fresh databases."""

    def __init__(self) -> None:
        self._tempdir: str | None = None
        self._server: embedded_postgres.EmbeddedServer | None = None
        given = os.environ.get("TEST_DATABASE_URL")
        if given:
            self.admin_url = given.replace("postgresql+asyncpg://", "postgresql://")
        else:
            # Embedded: a machine with no server installed still tests.
            self._tempdir = tempfile.mkdtemp(prefix="tiketq-pg-")
            self._server = embedded_postgres.start(self._tempdir)
            self.admin_url = self._server.get_uri()

    def url_for(self, database: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path="/" + database))

    async def create_database(self, prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.url_for(name)

    async def drop_database(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        conn = await asyncpg.connect(self.admin_url)
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    def close(self) -> None:
        if self._server is not None:
            self._server.cleanup()
        if self._tempdir:
            shutil.rmtree(self._tempdir, ignore_errors=True)


def alembic(service_dir: Path, database_url: str, *args: str) -> None:
    """Runs the service's own Alembic (as `make dev` does), in a subprocess of its own so the
    service's `domain`/`adapters` packages never clash with the test process's imports."""
    root = service_dir.parent
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(root)}
    subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=service_dir,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )


@asynccontextmanager
async def sessions_with_tables(
    url: str, metadata: MetaData, **engine_options: Any
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on `url` (an asyncpg URL) whose database holds exactly `metadata`'s tables, made
    afresh; the engine is disposed of afterwards."""
    engine = create_async_engine(url, **engine_options)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()


@asynccontextmanager
async def asyncpg_pool(url: str, *, size: int = 10) -> AsyncIterator[asyncpg.Pool]:
    """A plain asyncpg pool on `url` made as the services make theirs (shared.db
    .create_asyncpg_pool), closed afterwards."""
    pool = await create_asyncpg_pool(DatabaseSettings(DATABASE_URL=url, DATABASE_POOL_SIZE=size))
    try:
        yield pool
    finally:
        await pool.close()


class CountingPool:
    """Stands in for an asyncpg pool (acquire and release), noting when each connection was
    taken (a relay's pass takes one); while `gate` is clear a taker waits for its connection."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.gate = asyncio.Event()
        self.gate.set()
        self.taken: list[float] = []

    async def acquire(self, **kwargs: Any) -> Any:
        self.taken.append(time.monotonic())
        await self.gate.wait()
        return await self.pool.acquire(**kwargs)

    async def release(self, connection: Any) -> None:
        await self.pool.release(connection)

    def get_max_size(self) -> int:
        return int(self.pool.get_max_size())
