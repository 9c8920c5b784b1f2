"""Refresh tokens are purged once they are of no use: expired, and their whole sign-in (family)
expired too, plus a grace period kept for support questions ("why was I signed out?")."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from domain.repository import Clock, UnitOfWorkFactory

logger = logging.getLogger("auth-service.retention")


class RefreshTokenRetention:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, keep_after_expiry: timedelta) -> None:
        self._uow = uow
        self._clock = clock
        self._keep_after_expiry = keep_after_expiry

    async def purge(self) -> int:
        """Deletes what is past its retention; the number of tokens deleted."""
        now = self._clock.now()
        async with self._uow() as uow:
            purged = await uow.refresh_tokens.purge_expired(
                expired_before=now - self._keep_after_expiry, now=now
            )
            await uow.commit()
        return purged

    async def purge_forever(self, interval_seconds: float) -> None:
        """Purges now, then every `interval_seconds`, until cancelled. A failed round (the
        database restarting, say) is logged; the next one tries again."""
        while True:
            try:
                purged = await self.purge()
            except Exception:
                logger.exception("could not purge expired refresh tokens; trying again next round")
            else:
                logger.log(
                    logging.INFO if purged else logging.DEBUG,
                    "purged %d expired refresh tokens",
                    purged,
                    extra={"purged": purged},
                )
            await asyncio.sleep(interval_seconds)
