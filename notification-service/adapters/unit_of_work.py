"""The unit of work of the delivery worker (each attempt) and of the retention's batches,
straight on asyncpg: one transaction per unit, rolled back unless the use case commits, its
statements written once as SQL. Through SQLAlchemy's session the same
statements cost this service about twice the CPU (in process, an order's events and its five
deliveries: 11 -> 6 ms), in the session, connection and result wrappers and the greenlet hop,
for no check these statements need. The tables are declared in adapters/tables.py, for the
migrations.

JSONB columns go as JSON text and come back as text (asyncpg's own codec), decoded by
adapters/db.py's from_record."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from adapters.db import COLUMNS, JSON_COLUMNS, from_record, row_values
from domain.models import Notification
from shared.db import AsyncpgUnitOfWork

# The delivery worker's question: the oldest due message, locked (SKIP LOCKED: another worker
# sending one leaves it alone and takes the next), and whether another is due beside it, locked
# or not, which spares the worker a last empty round. Both walk ix_notifications_due in its order
# and stop after a row or two, however long the queue. "Another" is a second due row: the one
# taken is due in the same snapshot, so two due means one more. Asked that way the question does
# not depend on the row taken (PostgreSQL answers it once per claim) and keeps its ORDER BY (an
# EXISTS drops an ORDER BY, but not with an OFFSET): without them the planner looked for another
# due row with a sequential scan through every sent message.
NEXT_DUE = """
SELECT notifications.*, EXISTS (
    SELECT FROM notifications AS other
    WHERE other.status = 'queued' AND other.next_attempt_at <= $1
    ORDER BY other.next_attempt_at, other.created_at OFFSET 1
) AS more_due
FROM notifications
WHERE notifications.status = 'queued' AND notifications.next_attempt_at <= $1
ORDER BY notifications.next_attempt_at, notifications.created_at
LIMIT 1 FOR UPDATE OF notifications SKIP LOCKED"""

# When an idle worker looks again: the earliest queued attempt, due or not.
NEXT_ATTEMPT_AT = (
    "SELECT min(notifications.next_attempt_at) FROM notifications WHERE notifications.status = 'queued'"
)

# Only what a delivery attempt changes: the rendered bodies and the PDF never change, and writing
# them back would ship and re-parse the attachment's JSON on every attempt.
SAVE_ATTEMPT = """
UPDATE notifications SET status = $2, attempts = $3, next_attempt_at = $4, sent_at = $5,
    provider_message_id = $6, provider_response = $7, history = $8, updated_at = $9
WHERE notifications.id = $1"""

# SKIP LOCKED: another replica's batch (or a row being saved) is left to its holder.
PURGE_FINISHED = """
DELETE FROM notifications WHERE notifications.id IN (
    SELECT notifications.id FROM notifications
    WHERE notifications.status IN ('sent', 'failed') AND notifications.updated_at < $1
    LIMIT $2 FOR UPDATE SKIP LOCKED
) RETURNING notifications.id"""

PURGE_EVENTS = """
DELETE FROM received_events WHERE received_events.event_id IN (
    SELECT received_events.event_id FROM received_events
    WHERE received_events.received_at < $1
    LIMIT $2 FOR UPDATE SKIP LOCKED
) RETURNING received_events.event_id"""


def arguments(n: Notification) -> list[Any]:
    """A message's row as asyncpg takes it, in COLUMNS' order."""
    values = row_values(n)
    return [json.dumps(values[c]) if c in JSON_COLUMNS else values[c] for c in COLUMNS]


class PgUnitOfWork(AsyncpgUnitOfWork):
    async def next_due(self, now: datetime) -> tuple[Notification | None, bool]:
        record = await self._connection.fetchrow(NEXT_DUE, now)
        if record is None:
            return None, False
        return from_record(record), bool(record["more_due"])

    async def next_attempt_at(self) -> datetime | None:
        due: datetime | None = await self._connection.fetchval(NEXT_ATTEMPT_AT)
        return due

    async def save(self, notification: Notification) -> None:
        n = notification
        await self._connection.execute(
            SAVE_ATTEMPT,
            n.id,
            str(n.status),
            n.attempts,
            n.next_attempt_at,
            n.sent_at,
            n.provider_message_id,
            n.provider_response,
            json.dumps(list(n.history)),
            n.updated_at,
        )

    async def purge_finished(self, before: datetime, limit: int) -> int:
        return len(await self._connection.fetch(PURGE_FINISHED, before, limit))

    async def purge_events(self, before: datetime, limit: int) -> int:
        return len(await self._connection.fetch(PURGE_EVENTS, before, limit))
