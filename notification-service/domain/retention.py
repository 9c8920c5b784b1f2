"""Old messages and received event ids go, so the tables hold what is still useful and no more
of people's addresses and orders than needed.

- A message in a final state (`sent`, `failed`) last changed more than `messages_days` ago is
  deleted; a `queued` one never is (it is still owed).
- A received event id older than `events_days` is deleted. It must outlive any redelivery of its
  event: transaction-service's relay retries an event until it is taken, within minutes or hours
  (its back-off is capped well under a day); a broker's dead-lettered message replayed by hand
  comes within days. The default keeps ids as long as messages, and never less than a week, so a
  late redelivery still finds the id (and, within the same span, the message's dedupe key).

Deletion runs in batches, each its own short transaction that takes only rows no other instance
holds (`FOR UPDATE SKIP LOCKED`), so several replicas may purge at once without waiting on each
other or on the delivery worker, and no transaction grows with the backlog.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from domain.ports import Clock, UnitOfWork

logger = logging.getLogger("notification.retention")

MIN_EVENT_DAYS = 7


@dataclass(frozen=True)
class RetentionPolicy:
    messages_days: int = 90
    events_days: int = 90
    batch_size: int = 500

    def __post_init__(self) -> None:
        if self.messages_days < 1 or self.batch_size < 1:
            raise ValueError("retention needs at least one day and a batch of at least one row")
        if self.events_days < MIN_EVENT_DAYS:
            raise ValueError(f"received event ids are kept at least {MIN_EVENT_DAYS} days (redeliveries)")


@dataclass(frozen=True)
class Purged:
    messages: int
    events: int


class PurgeOldRecords:
    def __init__(self, unit_of_work: Callable[[], UnitOfWork], clock: Clock, policy: RetentionPolicy) -> None:
        self._uow = unit_of_work
        self._clock = clock
        self._policy = policy

    async def _in_batches(self, delete: Callable[[UnitOfWork], Awaitable[int]]) -> int:
        total = 0
        while True:
            async with self._uow() as uow:
                deleted = await delete(uow)
                await uow.commit()
            total += deleted
            if deleted < self._policy.batch_size:
                return total

    async def purge_once(self) -> Purged:
        now = self._clock()
        limit = self._policy.batch_size
        messages_before = now - timedelta(days=self._policy.messages_days)
        events_before = now - timedelta(days=self._policy.events_days)
        messages = await self._in_batches(lambda uow: uow.purge_finished(messages_before, limit))
        events = await self._in_batches(lambda uow: uow.purge_events(events_before, limit))
        if messages or events:
            logger.info("purged %d finished messages and %d received event ids", messages, events)
        return Purged(messages, events)

    async def run(self, interval_seconds: float) -> None:
        """Purges now and then every `interval_seconds`, until cancelled; a failed round (the
        database away) is logged and tried again at the next."""
        while True:
            try:
                await self.purge_once()
            except Exception:  # the next round retries; retention is never urgent
                logger.exception("purge failed; trying again in %.0f s", interval_seconds)
            await asyncio.sleep(interval_seconds)
