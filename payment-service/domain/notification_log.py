"""What is kept of a notification or callback, and for how long.

An accepted one is kept as received (up to ACCEPTED_LIMIT characters) with its parsed body: it
is the gateway's word for a status we applied. After NOTIFICATION_BODY_RETENTION_HOURS it is
reduced to the fields we act on and reconcile with (domain/personal_data.py): masked card
numbers, virtual account numbers and the payer's details go. A rejected one (forged, unknown
order, invalid, amount mismatch, unconfirmed) could be anybody's junk: only a capped summary is
kept (its first REJECTED_LIMIT characters, its size, why it was refused), and the same job
deletes rejects older than NOTIFICATION_REJECT_RETENTION_HOURS, so unsigned posts cannot grow
the database.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from domain.personal_data import reduced_notification
from domain.repository import Clock, ReceivedNotification, UnitOfWorkFactory, Verdict

logger = logging.getLogger("payment_service.notification_log")

ACCEPTED_LIMIT = 65_536
REJECTED_LIMIT = 1_024
FIELD_LIMIT = 100
REDUCE_BATCH = 500


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


@dataclass(frozen=True)
class Purged:
    rejects: int  # rejected notifications deleted
    reduced: int  # accepted ones reduced to what we act on
    instructions: int = 0  # delivered events whose payment instructions were dropped


class NotificationRetention:
    """One job for both retentions: rejects deleted after `reject_retention`, accepted bodies
    reduced after `body_retention` (domain/personal_data.py says to what)."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        reject_retention: timedelta,
        body_retention: timedelta,
        batch_size: int = REDUCE_BATCH,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._reject_retention = reject_retention
        self._body_retention = body_retention
        self._batch_size = batch_size

    async def purge(self) -> Purged:
        """Deletes rejects received longer ago than their retention and reduces accepted bodies
        older than theirs, a batch per transaction (a backlog never holds one long lock)."""
        now = self._clock()
        async with self._uow() as uow:
            rejects = await uow.notifications.purge_rejected(now - self._reject_retention)
            await uow.commit()
        reduced = 0
        while True:
            async with self._uow() as uow:
                batch = await uow.notifications.accepted_to_reduce(
                    now - self._body_retention, self._batch_size
                )
                for stored in batch:
                    kept = reduced_notification(stored.gateway, stored.raw_body, stored.body)
                    await uow.notifications.reduce(stored.id, kept, now)
                await uow.commit()
            reduced += len(batch)
            if len(batch) < self._batch_size:
                break
        # Where to pay (a virtual account, a QR code) travelled in an event: once delivered and
        # as old as a body we reduce, the event keeps everything but that.
        instructions = 0
        while True:
            async with self._uow() as uow:
                changed = await uow.events.forget_payment_instructions(
                    now - self._body_retention, self._batch_size
                )
                await uow.commit()
            instructions += changed
            if changed < self._batch_size:
                return Purged(rejects, reduced, instructions)

    async def purge_forever(self, interval_seconds: float) -> None:
        """At start-up, then every interval, until cancelled; a failed round (the database
        restarting) is logged and the next one tries again."""
        while True:
            try:
                purged = await self.purge()
            except Exception:
                logger.exception("could not purge notifications; trying again next round")
            else:
                done = purged.rejects + purged.reduced
                logger.log(
                    logging.INFO if done else logging.DEBUG,
                    "purged %d rejected notifications, reduced %d accepted ones",
                    purged.rejects,
                    purged.reduced,
                    extra={"purged": purged.rejects, "reduced": purged.reduced},
                )
            await asyncio.sleep(interval_seconds)
