"""The periodic purge of Idempotency-Key rows every service starts in its lifespan: it purges at
once and then every interval, logs what it purged, survives a failed round and ends when
cancelled (also in the middle of a purge)."""

from __future__ import annotations

import asyncio
import logging

import pytest

from shared.background import BackgroundTasks
from shared.idempotency import purge_expired_forever


class FakeStore:
    """Answers `purge_expired` from a script: a number purged, or an exception to raise."""

    def __init__(self, *script: int | Exception, rounds_wanted: int = 3) -> None:
        self.script = list(script)
        self.calls = 0
        self.rounds_wanted = rounds_wanted
        self.enough = asyncio.Event()

    async def purge_expired(self) -> int:
        self.calls += 1
        if self.calls >= self.rounds_wanted:
            self.enough.set()
        outcome = self.script[min(self.calls, len(self.script)) - 1]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


class BlockingStore:
    """A purge that never finishes on its own (a hung database)."""

    def __init__(self) -> None:
        self.started = asyncio.Event()

    async def purge_expired(self) -> int:
        self.started.set()
        await asyncio.Event().wait()
        return 0


async def test_it_purges_at_start_then_every_interval_and_logs_the_count(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="tiketq.idempotency")
    store = FakeStore(4, 0, 2)
    task = asyncio.create_task(purge_expired_forever(store, 0.01))
    await asyncio.wait_for(store.enough.wait(), timeout=5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert store.calls >= 3
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert "purged 4 expired idempotency keys" in messages
    assert "purged 2 expired idempotency keys" in messages
    assert "purged 0 expired idempotency keys" not in messages  # an empty round is not news


async def test_the_first_round_does_not_wait_for_the_interval() -> None:
    store = FakeStore(1, rounds_wanted=1)
    task = asyncio.create_task(purge_expired_forever(store, 3600))
    await asyncio.wait_for(store.enough.wait(), timeout=5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert store.calls == 1


async def test_a_failed_round_is_logged_and_the_next_round_purges(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="tiketq.idempotency")
    store = FakeStore(ConnectionError("database restarting"), 5, 1)
    task = asyncio.create_task(purge_expired_forever(store, 0.01))
    await asyncio.wait_for(store.enough.wait(), timeout=5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    failures = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(failures) == 1
    assert failures[0].exc_info is not None
    assert isinstance(failures[0].exc_info[1], ConnectionError)
    assert "purged 5 expired idempotency keys" in [r.getMessage() for r in caplog.records]


async def test_cancelling_during_a_purge_ends_the_loop_instead_of_counting_as_a_failed_round(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = BlockingStore()
    task = asyncio.create_task(purge_expired_forever(store, 0.01))
    await asyncio.wait_for(store.started.wait(), timeout=5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, timeout=5)
    assert task.cancelled()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_service_shutdown_stops_it_between_rounds() -> None:
    store = FakeStore(0, rounds_wanted=1)
    tasks = BackgroundTasks()
    tasks.start(purge_expired_forever(store, 3600), name="idempotency-purge")
    await asyncio.wait_for(store.enough.wait(), timeout=5)
    await asyncio.wait_for(tasks.aclose(), timeout=5)  # not an hour: the sleep is cancelled
    assert store.calls == 1
