"""GET /orders/{id} held until the order changes: a client that has the order's ETag sends it as
`If-None-Match` with `Prefer: wait=N`, and is answered as soon as a commit in this process changes
the order (adapters/order_changes.py), or 304 after N seconds if nothing did. A buyer on the
payment screen learns of COMPLETED within milliseconds with one request, instead of polling."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from fastapi import Response
from fastapi.responses import JSONResponse

from routes.conditional import entity_tag, none_match, preferred_wait

# A change committed by another replica rings no bell here: look again this often while waiting.
RECHECK_SECONDS = 1.0


class OrderBell(Protocol):
    """Rings when a commit in this process changed the order (adapters/order_changes.py)."""

    def watching(self, order_id: uuid.UUID) -> AbstractContextManager[asyncio.Event | None]: ...


@dataclass(frozen=True)
class StatusWait:
    changes: OrderBell
    longest_seconds: float


async def answer_when_changed(
    read: Callable[[], Awaitable[dict[str, object]]],
    order_id: uuid.UUID,
    wait: StatusWait,
    if_none_match: str | None,
    prefer: str | None,
) -> Response:
    """The order with its ETag; 304 while it still matches `If-None-Match`, after waiting up to
    the preferred seconds for a change. `read` checks ownership on every look."""
    seconds = preferred_wait(prefer, wait.longest_seconds) if if_none_match else 0.0
    watching = wait.changes.watching(order_id) if seconds > 0 else contextlib.nullcontext(None)
    with watching as changed:
        # Past OrderChanges' bound (or with no wait asked for) the request is answered at once.
        applied = {} if changed is None else {"Preference-Applied": f"wait={seconds:g}"}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            answer = JSONResponse(await read())
            etag = entity_tag(bytes(answer.body))
            answer.headers.update({"ETag": etag, **applied})
            if not none_match(if_none_match, etag):
                return answer
            remaining = deadline - loop.time()
            if changed is None or remaining <= 0:
                return Response(status_code=304, headers={"ETag": etag, **applied})
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), timeout=min(remaining, RECHECK_SECONDS))
            changed.clear()
