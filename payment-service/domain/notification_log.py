"""What is kept of a notification or callback, and for how long.

An accepted one is kept as received (up to ACCEPTED_LIMIT characters) with its parsed body: it
is the gateway's word for a status we applied. A rejected one (forged, unknown order, invalid,
amount mismatch, unconfirmed) could be anybody's junk: only a capped summary is kept (its first
REJECTED_LIMIT characters, its size, why it was refused), and a retention job deletes rejects
older than NOTIFICATION_REJECT_RETENTION_HOURS, so unsigned posts cannot grow the database.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.repository import Clock, ReceivedNotification, UnitOfWorkFactory, Verdict

logger = logging.getLogger("payment_service.notification_log")

ACCEPTED_LIMIT = 65_536
REJECTED_LIMIT = 1_024
FIELD_LIMIT = 100


@dataclass(frozen=True)
class Received:
    """One body as it arrived, ready to be recorded with any verdict."""

    raw: bytes
    body: dict[str, Any] | None
    received_at: datetime
    gateway: str

    def record(
        self, verdict: Verdict, order_id: Any, status: Any, detail: str | None = None
    ) -> ReceivedNotification:
        text = self.raw.decode("utf-8", errors="replace")
        if verdict is Verdict.ACCEPTED:
            kept, body = text[:ACCEPTED_LIMIT], self.body
        else:
            kept, body = text[:REJECTED_LIMIT], None
            size = f"{len(self.raw)} bytes"
            detail = f"{detail} ({size})" if detail else size
        return ReceivedNotification(
            id=uuid.uuid4(),
            received_at=self.received_at,
            verdict=verdict,
            raw_body=kept,
            body=body,
            order_id=short(order_id),
            transaction_status=short(status),
            detail=detail[: FIELD_LIMIT * 5] if detail else None,
            gateway=self.gateway,
        )


def short(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list):
        return None
    return str(value)[:FIELD_LIMIT]


class RejectRetention:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, retention: timedelta) -> None:
        self._uow = uow
        self._clock = clock
        self._retention = retention

    async def purge(self) -> int:
        """Deletes rejects received longer ago than the retention; how many went."""
        async with self._uow() as uow:
            purged = await uow.notifications.purge_rejected(self._clock() - self._retention)
            await uow.commit()
        return purged

    async def purge_forever(self, interval_seconds: float) -> None:
        """At start-up, then every interval, until cancelled; a failed round (the database
        restarting) is logged and the next one tries again."""
        while True:
            try:
                purged = await self.purge()
            except Exception:
                logger.exception("could not purge rejected notifications; trying again next round")
            else:
                logger.log(
                    logging.INFO if purged else logging.DEBUG,
                    "purged %d rejected notifications",
                    purged,
                    extra={"purged": purged},
                )
            await asyncio.sleep(interval_seconds)
