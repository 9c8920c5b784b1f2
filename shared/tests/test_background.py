"""Background tasks end with the service: cancelled, awaited, and their clean-up run."""

from __future__ import annotations

import asyncio

from shared.background import BackgroundTasks


async def test_tasks_run_until_closed_and_clean_up() -> None:
    ticks = 0
    cleaned = asyncio.Event()

    async def forever() -> None:
        nonlocal ticks
        try:
            while True:
                ticks += 1
                await asyncio.sleep(0.01)
        finally:
            cleaned.set()

    tasks = BackgroundTasks()
    tasks.start(forever(), name="ticker")
    await asyncio.sleep(0.05)
    await tasks.aclose()
    assert ticks > 1
    assert cleaned.is_set()
    await tasks.aclose()  # closing twice is harmless
