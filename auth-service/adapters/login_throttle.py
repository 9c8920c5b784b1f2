"""Failed sign-ins counted per email and per client address with `limits` (moving window).

Memory storage serves one process; with REDIS_URL every auth-service process shares the counts.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter


def rate_limit_storage(redis_url: str | None) -> Storage:
    if redis_url:
        return RedisStorage(redis_url, implementation="redispy", key_prefix="tiketq-auth")
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
        for item, key in self._limits(email, client_ip):
            if not await self._limiter.test(item, key):
                stats = await self._limiter.get_window_stats(item, key)
                waits.append(max(1, math.ceil(stats.reset_time - time.time())))
        return max(waits) if waits else None

    async def record_failure(self, email: str, client_ip: str | None) -> None:
        for item, key in self._limits(email, client_ip):
            await self._limiter.hit(item, key)

    async def record_success(self, email: str, client_ip: str | None) -> None:
        # Only the email's count: clearing the address's count would let someone who owns one
        # account reset it between guesses at other accounts.
        await self._limiter.clear(self._per_email, email)

    async def healthy(self) -> bool:
        return bool(await self._storage.check())
