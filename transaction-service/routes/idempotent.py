"""Running a POST under its Idempotency-Key (shared/idempotency.py) and answering what was
recorded: the first answer, business problems included, is what every retry gets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse

from routes.errors import recordable, replay_problem
from shared.idempotency import IdempotencyStore, Replay


async def idempotent(
    store: IdempotencyStore,
    scope: str,
    key: str,
    body: Any,
    work: Callable[[], Awaitable[dict[str, Any]]],
    status: int = 201,
) -> JSONResponse:
    async def run() -> Replay:
        return Replay(status, await work())

    answer = await store.run(scope, key, body, run, recordable)
    if answer.status >= 400:
        return replay_problem(answer.status, answer.body)
    return JSONResponse(answer.body, status_code=answer.status)
