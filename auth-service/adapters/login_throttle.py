"""Failed sign-ins counted per email and per client address with `limits` (moving window).

Memory storage serves one process; with REDIS_URL every auth-service process shares the counts.
If Redis is unreachable, sign-in keeps working unthrottled (logged, and /readyz reports it):
an outage of the counter store should not lock every customer out.
"""

from __future__ import annotations

import logging
import math
import time

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

logger = logging.getLogger("auth-service.login-throttle")


def rate_limit_storage(redis_url: str | None) -> Storage:
    if redis_url:
        return RedisStorage(
            redis_url,
            implementation="redispy",
            key_prefix="tiketq-auth",
            wrap_exceptions=True,
            socket_connect_timeout=2,
            socket_timeout=2,
        )
    return MemoryStorage()


class LimitsLoginThrottle:
    def __init__(self, storage: Storage, *, per_email: int, per_ip: int, window_seconds: int) -> None:
        self._storage = storage
        self._limiter = MovingWindowRateLimiter(storage)
        self._per_email = RateLimitItemPerSecond(per_email, window_seconds, namespace="login-failures-email")
        self._per_ip = RateLimitItemPerSecond(per_ip, window_seconds, namespace="login-failures-ip")

    def _limits(self, email: str, client_ip: str | None) -> list[tuple[RateLimitItemPerSecond, str]]:
        found = [(self._per_email, email)]
        if client_ip:
            found.append((self._per_ip, client_ip))
        return found

    async def blocked_for(self, email: str, client_ip: str | None) -> int | None:
        waits = []
        try:
            for item, key in self._limits(email, client_ip):
                if not await self._limiter.test(item, key):
                    stats = await self._limiter.get_window_stats(item, key)
                    waits.append(max(1, math.ceil(stats.reset_time - time.time())))
        except StorageError:
            logger.warning("login throttle storage unavailable: not throttling", exc_info=True)
            return None
        return max(waits) if waits else None

    async def record_failure(self, email: str, client_ip: str | None) -> None:
        try:
            for item, key in self._limits(email, client_ip):
                await self._limiter.hit(item, key)
        except StorageError:
            logger.warning("login throttle storage unavailable: failure not counted", exc_info=True)

    async def record_success(self, email: str, client_ip: str | None) -> None:
        # Only the email's count: clearing the address's count would let someone who owns one
        # account reset it between guesses at other accounts.
        try:
            await self._limiter.clear(self._per_email, email)
        except StorageError:
            logger.warning("login throttle storage unavailable: count not cleared", exc_info=True)

    async def healthy(self) -> bool:
        try:
            return bool(await self._storage.check())
        except StorageError:
            return False
