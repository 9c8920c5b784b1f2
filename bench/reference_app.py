"""The bench's reference app: the least a FastAPI service on this stack can do per request, so
every figure in BENCHMARKS.md has a baseline measured beside it in the same run.

`GET /reference` runs one asyncpg `SELECT` on a pool (one indexed row of `pg_database`, so no
table of its own is needed) and answers it as JSON; `GET /hello` answers without the database
(the framework's own ceiling). It runs under uvicorn with the services' flags
(devstack/stack.py `_process_for`, `reference_argv` below) and a pool as large as theirs
(twice DATABASE_POOL_SIZE, 10).

    REFERENCE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python -m uvicorn bench.reference_app:create_app --factory --port 8099
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import asyncpg
from fastapi import FastAPI, Request

DATABASE_URL_ENV = "REFERENCE_DATABASE_URL"
POOL_SIZE = 20  # the larger services' asyncpg pool: twice DATABASE_POOL_SIZE (10), no overflow
REFERENCE_PATH = "/reference"
HELLO_PATH = "/hello"
_QUERY = "SELECT oid::int AS id, datname AS name, datallowconn AS open FROM pg_database WHERE datname = $1"


def create_app() -> FastAPI:
    dsn = os.environ[DATABASE_URL_ENV].replace("postgresql+asyncpg://", "postgresql://")
    # The path, not the last slash: the embedded server's URL ends in `?host=/its/socket/folder`.
    database = urlsplit(dsn).path.lstrip("/") or "postgres"

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(dsn, min_size=1, max_size=POOL_SIZE)
        app.state.pool = pool
        try:
            yield
        finally:
            await pool.close()

    app = FastAPI(title="bench reference", lifespan=lifespan)

    @app.get(REFERENCE_PATH)
    async def reference(request: Request) -> dict[str, Any]:
        pool: asyncpg.Pool = request.app.state.pool
        async with pool.acquire() as connection:
            row = await connection.fetchrow(_QUERY, database)
        return {"id": row["id"], "name": row["name"], "open": row["open"]}

    @app.get(HELLO_PATH)
    async def hello() -> dict[str, str]:
        return {"hello": "world"}

    return app


def reference_argv(host: str, port: int) -> list[str]:
    """The reference app under uvicorn with the flags devstack gives every service."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "bench.reference_app:create_app",
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
        "--no-access-log",
        "--timeout-graceful-shutdown",
        "5",
    ]
