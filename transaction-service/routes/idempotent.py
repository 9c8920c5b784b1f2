"""Running a POST under its Idempotency-Key and answering what was recorded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse

from adapters.idempotency import IdempotencyStore
from routes.errors import recordable, replay_problem


async def idempotent(
    store: IdempotencyStore,
    scope: str,
    key: str,
    body: Any,
    work: Callable[[], Awaitable[dict[str, Any]]],
    status: int = 201,
) -> JSONResponse:
    async def run() -> tuple[int, dict[str, Any]]:
        return status, await work()

    recorded = await store.run(scope, key, body, run, recordable)
    if recorded.status >= 400:
        return replay_problem(recorded.status, recorded.body)
    return JSONResponse(recorded.body, status_code=recorded.status)
