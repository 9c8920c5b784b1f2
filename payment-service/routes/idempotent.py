"""Running a POST once per Idempotency-Key (shared.idempotency) and answering what was recorded."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse

from routes.errors import recordable
from shared.errors import PROBLEM_MEDIA_TYPE
from shared.idempotency import IdempotencyStore, Replay
from shared.logging import request_id_var


async def once_per_key(
    store: IdempotencyStore,
    scope: str,
    key: str,
    body: object,
    work: Callable[[], Awaitable[Any]],
    status: int = 201,
) -> JSONResponse:
    """`work` returns the JSON body of a success. The first request with the key runs it; the
    others (concurrent ones wait for it) get its answer again: the success, or the business
    refusal it raised, as a problem carrying this request's id. Raises what a first run raises."""

    async def run() -> Replay:
        return Replay(status, await work())

    answer = await store.run(scope, key, body, run, recordable)
    if answer.status >= 400:
        return JSONResponse(
            {**answer.body, "request_id": request_id_var.get()},
            status_code=answer.status,
            media_type=PROBLEM_MEDIA_TYPE,
        )
    return JSONResponse(answer.body, status_code=answer.status)
