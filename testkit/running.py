"""A background loop (a relay, a worker: anything with `async def run()`) running for the length
of a `with` block, cancelled and awaited when it ends, for tests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any, Protocol


class Runs(Protocol):
    @property
    def run(self) -> Callable[[], Coroutine[Any, Any, Any]]: ...


@contextlib.asynccontextmanager
async def running(loop: Runs) -> AsyncIterator[None]:
    task: asyncio.Task[Any] = asyncio.create_task(loop.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
