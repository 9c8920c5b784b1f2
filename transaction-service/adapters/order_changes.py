"""In-process signals that an order's row changed: a unit of work that committed a change to an
order rings it, and a status request waiting for that order (GET /orders/{id} with `Prefer:
wait`) wakes at once instead of at its next look. A change committed by another replica rings no
bell here: the waiting request also looks again every `recheck_seconds` (routes/orders.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager


class OrderChanges:
    def __init__(self, *, max_watchers: int) -> None:
        self._max_watchers = max_watchers
        self._watchers: dict[uuid.UUID, set[asyncio.Event]] = {}
        self._count = 0

    @contextmanager
    def watching(self, order_id: uuid.UUID) -> Iterator[asyncio.Event | None]:
        """An event set when `order_id` changes, for the block's duration; None when this process
        already watches `max_watchers` orders (each waiting request holds a connection through the
        gateway: past the bound, requests are answered at once rather than held)."""
        if self._count >= self._max_watchers:
            yield None
            return
        event = asyncio.Event()
        self._watchers.setdefault(order_id, set()).add(event)
        self._count += 1
        try:
            yield event
        finally:
            self._count -= 1
            watchers = self._watchers.get(order_id)
            if watchers is not None:
                watchers.discard(event)
                if not watchers:
                    del self._watchers[order_id]

    def changed(self, order_ids: Iterable[uuid.UUID]) -> None:
        """Call after the commit that changed these orders."""
        for order_id in order_ids:
            for event in self._watchers.get(order_id, ()):
                event.set()

    @property
    def watched(self) -> int:
        return self._count
