"""Sign-in attempts counted with `limits` storages: per account from one client address, and per
client address across accounts.

An attempt is counted as a failure *before* the password is checked, with one atomic increment
per counter (INCR in Redis, a lock in memory), and given back when it succeeds. Checking first
and counting after the ~50 ms of argon2 let every parallel guess through the check before any was
counted. The counters are fixed windows because those are the only ones `limits` can take a unit
back from (a moving window can only be cleared).

The account counter is keyed on account + address, so guesses from one address cannot lock the
owner out from their own. The address counter is sized for carrier-grade NAT (many customers
behind one address). Keys are hashes: emails never reach Redis.

Memory storage serves one process; with REDIS_URL every auth-service process shares the counts.
If Redis is unreachable, sign-in keeps working unthrottled (logged, and /readyz reports it): an
outage of the counter store should not lock every customer out.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from limits.aio.storage import MemoryStorage, RedisStorage, Storage
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


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:40]
    return f"login-failures/{kind}/{digest}"


class LimitsLoginThrottle:
    def __init__(self, storage: Storage, *, per_account: int, per_address: int, window_seconds: int) -> None:
        self._storage = storage
        self._per_account = per_account
        self._per_address = per_address
        self._window = window_seconds

    def _account_key(self, email: str, client_ip: str | None) -> str:
        return _key("account", email, client_ip or "")

    def _counters(self, email: str, client_ip: str | None) -> list[tuple[str, int]]:
        found = [(self._account_key(email, client_ip), self._per_account)]
        if client_ip:
            found.append((_key("address", client_ip), self._per_address))
        return found

    async def begin(self, email: str, client_ip: str | None) -> int | None:
        taken: list[str] = []
        try:
            for key, limit in self._counters(email, client_ip):
                count = await self._storage.incr(key, self._window, 1)
                taken.append(key)
                if count > limit:
                    # Refused attempts are not failures: the counters stay at their limit, so
                    # the wait ends when the window does, however long the flood lasts.
                    wait = max(1, math.ceil(await self._storage.get_expiry(key) - time.time()))
                    await self._give_back(taken)
                    return wait
        except StorageError:
            logger.warning("login throttle storage unavailable: not throttling", exc_info=True)
            await self._give_back(taken)
        return None

    async def release(self, email: str, client_ip: str | None) -> None:
        await self._give_back([key for key, _ in self._counters(email, client_ip)])

    async def succeeded(self, email: str, client_ip: str | None) -> None:
        counters = self._counters(email, client_ip)
        try:
            # The owner is in: their earlier mistakes from this address are forgiven. The
            # address count only gets this attempt back, or someone who owns one account could
            # reset it between guesses at other accounts.
            await self._storage.clear(counters[0][0])
        except StorageError:
            logger.warning("login throttle storage unavailable: count not cleared", exc_info=True)
        await self._give_back([key for key, _ in counters[1:]])

    async def _give_back(self, keys: list[str]) -> None:
        for key in keys:
            try:
                left = await self._storage.incr(key, self._window, -1)
                if left < 0:
                    # The window ended between the count and its return: nothing to give back.
                    await self._storage.clear(key)
            except StorageError:
                logger.warning("login throttle storage unavailable: attempt not given back", exc_info=True)

    async def healthy(self) -> bool:
        try:
            return bool(await self._storage.check())
        except StorageError:
            return False
