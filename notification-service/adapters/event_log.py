"""An event's id and its messages written in one statement, straight on asyncpg: the id goes in
unless it is there already, and the messages only with it, each unless its dedupe key is queued
or sent already. One statement is all or nothing by itself: no BEGIN and COMMIT around it, one
round trip where a transaction took four.

The messages come as rows of VALUES, each parameter cast to its column's type (without a
length: the column itself still refuses a value too long, as an INSERT's own VALUES would).
JSONB columns go as JSON text."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from adapters.db import COLUMN_TYPES, COLUMNS
from adapters.unit_of_work import arguments
from domain.models import Notification
from shared.db import DatabaseBusy

RECORD_EVENT = """
INSERT INTO received_events (event_id, topic) VALUES ($1, $2)
ON CONFLICT (event_id) DO NOTHING RETURNING received_events.event_id"""

_statements: dict[int, str] = {}


def record_with_messages(count: int) -> str:
    """The event's id (parameters 1 and 2) and `count` messages after it; answers whether the id
    was new and how many messages went in."""
    sql = _statements.get(count)
    if sql is None:
        width = len(COLUMNS)
        rows = ",\n        ".join(
            "("
            + ", ".join(f"${3 + row * width + i}::{COLUMN_TYPES[column]}" for i, column in enumerate(COLUMNS))
            + ")"
            for row in range(count)
        )
        names = ", ".join(COLUMNS)
        sql = _statements[count] = f"""
WITH event AS ({RECORD_EVENT}
), queued AS (
    INSERT INTO notifications ({names})
    SELECT * FROM (VALUES
        {rows}
    ) AS message ({names})
    WHERE EXISTS (SELECT FROM event)
    ON CONFLICT (dedupe_key) DO NOTHING RETURNING notifications.id
)
SELECT EXISTS (SELECT FROM event) AS recorded, (SELECT count(*) FROM queued) AS queued"""  # noqa: S608 (names, types and $n only)
    return sql


class PgEventLog:
    def __init__(self, pool: asyncpg.Pool, *, acquire_timeout: float = 30.0) -> None:
        self._pool = pool
        self._acquire_timeout = acquire_timeout

    async def record(self, event_id: uuid.UUID, topic: str, messages: Sequence[Notification]) -> int | None:
        if not messages:
            row = await self._fetchrow(RECORD_EVENT, event_id, topic)
            return None if row is None else 0
        values = [value for message in messages for value in arguments(message)]
        row = await self._fetchrow(record_with_messages(len(messages)), event_id, topic, *values)
        assert row is not None  # the final SELECT always answers one row
        return int(row["queued"]) if row["recorded"] else None

    async def _fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        for attempt in (1, 2):
            try:
                connection = await self._pool.acquire(timeout=self._acquire_timeout)
            except TimeoutError as exc:  # 503 database-unavailable
                raise DatabaseBusy("no pooled connection came free in time") from exc
            try:
                return await connection.fetchrow(query, *args)
            except Exception:
                # A connection the server closed while it sat in the pool: once more on a fresh
                # one. Safe to repeat: an id already recorded answers as a redelivery would.
                if not (connection.is_closed() and attempt == 1):
                    raise
            finally:
                await self._pool.release(connection)
        raise AssertionError("unreachable")
