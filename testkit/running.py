"""A background loop (a relay, a worker: anything with `async def run()`) running for the length
of a `with` block, cancelled and awaited when it ends, for tests; and `until`, which waits for
what such a loop does."""

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


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Returns once `condition()` holds, looking every 10 ms; fails the test after `timeout`."""
    for _ in range(int(timeout / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("not reached in time")
