"""The hourly purge of Idempotency-Key answers keeps running when one purge fails."""

from __future__ import annotations

import asyncio
from typing import cast

from app import purge_idempotency_keys
from shared.idempotency import IdempotencyStore


class FlakyStore:
    def __init__(self) -> None:
        self.calls = 0
        self.third_round = asyncio.Event()

    async def purge_expired(self) -> int:
        self.calls += 1
        if self.calls == 3:
            self.third_round.set()
        if self.calls == 1:
            raise ConnectionError("database restarting")
        return 3


async def test_a_failed_purge_is_tried_again_on_the_next_round() -> None:
    store = FlakyStore()
    task = asyncio.create_task(purge_idempotency_keys(cast(IdempotencyStore, store), 0.01))
    await asyncio.wait_for(store.third_round.wait(), timeout=5)
    task.cancel()
    assert store.calls >= 3  # failed once, then went on purging
