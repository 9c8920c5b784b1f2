"""The bench's memory floor: an app that imports the libraries every service imports and holds
nothing of its own, run the way the stack runs a service (devstack/serve.py, the same flags and
environment), so that the stack's idle memory has a baseline measured beside it in the same run.

Every service imports FastAPI (with pydantic and Starlette), uvicorn with uvloop and httptools,
asyncpg, httpx and pydantic-settings. No service imports SQLAlchemy: its statements are plain SQL
run straight on asyncpg (shared/db.py); SQLAlchemy's Core declares the tables for the migrations,
which run in a process of their own. What a service's RSS holds above this floor is its own code,
models and data (and the libraries only it needs, such as `cryptography` for verifying tokens).
"""

from __future__ import annotations

import asyncpg  # noqa: F401 (imported for its memory, as every service imports it)
import httpx  # noqa: F401
import pydantic_settings  # noqa: F401
from fastapi import FastAPI

READY_PATH = "/readyz"


def create_app() -> FastAPI:
    app = FastAPI(title="bench memory floor")

    @app.get(READY_PATH)
    async def ready() -> dict[str, str]:
        return {"status": "ready"}

    return app
