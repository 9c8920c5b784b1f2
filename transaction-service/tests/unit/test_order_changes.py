"""The in-process bell for order changes: it rings only the orders' watchers, and it forgets a
watcher when its request ends, however it ends."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from adapters.order_changes import OrderChanges


async def test_a_change_rings_the_watchers_of_that_order_only() -> None:
    changes = OrderChanges(max_watchers=10)
    mine, other = uuid.uuid4(), uuid.uuid4()
    with changes.watching(mine) as first, changes.watching(mine) as second, changes.watching(other) as third:
        assert first is not None
        assert second is not None
        assert third is not None
        changes.changed([mine])
        assert first.is_set()
        assert second.is_set()
        assert not third.is_set()
    assert changes.watched == 0


async def test_past_the_bound_no_watch_is_kept_and_a_freed_slot_is_used_again() -> None:
    changes = OrderChanges(max_watchers=1)
    order = uuid.uuid4()
    with changes.watching(order) as held:
        assert held is not None
        with changes.watching(order) as refused:
            assert refused is None
    with changes.watching(order) as again:
        assert again is not None


async def test_a_request_cancelled_while_waiting_leaves_no_watcher_behind() -> None:
    changes = OrderChanges(max_watchers=10)
    order = uuid.uuid4()

    async def wait() -> None:
        with changes.watching(order) as event:
            assert event is not None
            await event.wait()

    task = asyncio.create_task(wait())
    await asyncio.sleep(0)
    assert changes.watched == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert changes.watched == 0
    changes.changed([order])  # nobody left to ring
