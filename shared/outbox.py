"""The transactional outbox (docs/architecture.md, events).

An event row is inserted in the same database transaction as the change it announces; the relay
delivers due rows at least once, backing off on failure, and survives restarts because the rows
are the queue. Consumers dedupe by `event_id`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    func,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import signing

logger = logging.getLogger("shared.outbox")


def outbox_table(metadata: MetaData, name: str = "outbox") -> Table:
    """The outbox's shape; a service may keep a second one (say, a local work queue) by name."""
    return Table(
        name,
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("topic", String(100), nullable=False),
        Column("payload", JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("attempts", Integer, nullable=False, server_default="0"),
        Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("delivered_at", DateTime(timezone=True), nullable=True),
        Column("last_error", Text, nullable=True),
    )


@dataclass(frozen=True)
class OutboxEvent:
    id: uuid.UUID
    topic: str
    payload: dict[str, Any]
    created_at: datetime

    def envelope(self) -> dict[str, Any]:
        return {
            "event_id": str(self.id),
            "topic": self.topic,
            "occurred_at": self.created_at.isoformat(),
            "data": self.payload,
        }


async def add_event(session: AsyncSession, table: Table, topic: str, payload: dict[str, Any]) -> uuid.UUID:
    """Insert into the caller's transaction; nothing is sent until that transaction commits."""
    event_id = uuid.uuid4()
    await session.execute(table.insert().values(id=event_id, topic=topic, payload=payload))
    return event_id


async def add_event_once(
    session: AsyncSession, table: Table, topic: str, payload: dict[str, Any], event_id: uuid.UUID
) -> bool:
    """Insert under an id the caller derives from the fact itself (say, uuid5 of a notification's
    order and status), so that the same fact observed twice becomes one event. False if it exists."""
    result = await session.execute(
        pg_insert(table)
        .values(id=event_id, topic=topic, payload=payload)
        .on_conflict_do_nothing(index_elements=[table.c.id])
        .returning(table.c.id)
    )
    return result.scalar_one_or_none() is not None


Deliver = Callable[[OutboxEvent], Awaitable[None]]


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        table: Table,
        deliver: Deliver,
        *,
        poll_interval: float = 1.0,
        batch_size: int = 50,
        max_backoff_seconds: float = 300.0,
    ) -> None:
        self._sessions = sessions
        self._table = table
        self._deliver = deliver
        self._poll_interval = poll_interval
        self._batch_size = batch_size
        self._max_backoff = max_backoff_seconds
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Call after committing an event so it goes out now rather than at the next poll."""
        self._wakeup.set()

    async def run(self) -> None:
        while True:
            try:
                delivered = await self.deliver_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("outbox relay pass failed")
                delivered = 0
            if delivered >= self._batch_size:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval)
            self._wakeup.clear()

    async def deliver_due(self) -> int:
        t = self._table
        delivered = 0
        async with self._sessions() as session, session.begin():
            # SKIP LOCKED: several relay instances never deliver the same row at the same time.
            rows = (
                await session.execute(
                    select(t.c.id, t.c.topic, t.c.payload, t.c.created_at, t.c.attempts)
                    .where(t.c.delivered_at.is_(None), t.c.next_attempt_at <= func.now())
                    .order_by(t.c.created_at)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            for row in rows:
                event = OutboxEvent(row.id, row.topic, row.payload, row.created_at)
                try:
                    await self._deliver(event)
                except Exception as exc:
                    attempts = row.attempts + 1
                    delay = min(self._max_backoff, 0.5 * 2 ** min(attempts, 20))
                    logger.warning(
                        "outbox delivery failed",
                        extra={
                            "event_id": str(row.id),
                            "topic": row.topic,
                            "attempts": attempts,
                            "error": repr(exc),
                        },
                    )
                    await session.execute(
                        update(t)
                        .where(t.c.id == row.id)
                        .values(
                            attempts=attempts,
                            next_attempt_at=datetime.now(UTC) + timedelta(seconds=delay),
                            last_error=repr(exc)[:1000],
                        )
                    )
                    continue
                await session.execute(
                    update(t)
                    .where(t.c.id == row.id)
                    .values(delivered_at=func.now(), attempts=row.attempts + 1)
                )
                delivered += 1
        return delivered


class SignedWebhookDelivery:
    """Delivers an event as a signed JSON POST; anything but 2xx is a failure to retry."""

    def __init__(self, client: httpx.AsyncClient, url: str, secret: str) -> None:
        self._client = client
        self._url = url
        self._secret = secret

    async def __call__(self, event: OutboxEvent) -> None:
        body = json.dumps(event.envelope(), separators=(",", ":")).encode()
        response = await self._client.post(
            self._url, content=body, headers=signing.signed_headers(self._secret, body, str(event.id))
        )
        if not response.is_success:
            raise RuntimeError(f"{self._url} answered {response.status_code}")
