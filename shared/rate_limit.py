"""Per-key request limits on `limits` storages: in memory for one process, or Redis (REDIS_URL)
so that every process of a service shares the counts. Anonymous calls that cost a supplier call
(flight re-prices, PPOB inquiries) are counted per client address (shared.client_address).

A moving window: a burst at the edge of a fixed window cannot pass twice the limit. If Redis is
unreachable the request is let through (logged): an outage of the counter store must not turn
every price check into a refusal.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

logger = logging.getLogger("shared.rate_limit")


def rate_limit_storage(redis_url: str | None, key_prefix: str) -> Storage:
    if redis_url:
        return RedisStorage(
            redis_url,
            implementation="redispy",
            key_prefix=key_prefix,
            wrap_exceptions=True,
            socket_connect_timeout=2,
            socket_timeout=2,
        )
    return MemoryStorage()


class LimitsRateLimiter:
    """At most `limit` requests per key in any `window_seconds`."""

    def __init__(self, storage: Storage, *, limit: int, window_seconds: int) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._item = RateLimitItemPerSecond(limit, window_seconds)

    async def hit(self, key: str) -> int | None:
        try:
            if await self._limiter.hit(self._item, key):
                return None
            stats = await self._limiter.get_window_stats(self._item, key)
        except StorageError:
            logger.warning("rate-limit storage unavailable: not limiting", exc_info=True)
            return None
        return max(1, math.ceil(stats.reset_time - time.time()))
