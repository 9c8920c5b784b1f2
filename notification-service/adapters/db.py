"""A message's row (the codec between a Notification and its columns) and the reader of GET
/notifications/, straight on asyncpg as the hot paths' unit of work is (adapters/unit_of_work.py).
Plain SQL: the one-message read written once, the list (its filters and page) built per call.
The tables themselves are declared in adapters/tables.py, for the migrations.

JSONB columns come back as JSON text (asyncpg's own codec), decoded here."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from typing import Any

from domain.models import Attachment, Channel, Kind, Notification, Status
from domain.ports import Filters
from shared.db import Parameters, ReadPool, Statement

# The messages' columns in the table's order, each with the type its parameter is cast to where
# the server cannot infer it (adapters/event_log.py's VALUES rows). tests/unit/test_columns.py
# holds them to adapters/tables.py.
COLUMN_TYPES = {
    "id": "UUID",
    "dedupe_key": "VARCHAR",
    "event_id": "UUID",
    "user_id": "VARCHAR",
    "order_id": "VARCHAR",
    "order_number": "VARCHAR",
    "channel": "VARCHAR",
    "kind": "VARCHAR",
    "recipient": "VARCHAR",
    "language": "VARCHAR",
    "subject": "TEXT",
    "body_text": "TEXT",
    "body_html": "TEXT",
    "attachments": "JSONB",
    "status": "VARCHAR",
    "attempts": "INTEGER",
    "next_attempt_at": "TIMESTAMP WITH TIME ZONE",
    "sent_at": "TIMESTAMP WITH TIME ZONE",
    "provider_message_id": "VARCHAR",
    "provider_response": "TEXT",
    "history": "JSONB",
    "created_at": "TIMESTAMP WITH TIME ZONE",
    "updated_at": "TIMESTAMP WITH TIME ZONE",
}
COLUMNS = tuple(COLUMN_TYPES)
# The JSONB columns: JSON text to and from asyncpg.
JSON_COLUMNS = frozenset(name for name, type_ in COLUMN_TYPES.items() if type_ == "JSONB")


def _attachments_json(items: tuple[Attachment, ...]) -> list[dict[str, str]]:
    return [
        {
            "filename": a.filename,
            "content_type": a.content_type,
            "content": base64.b64encode(a.content).decode(),
        }
        for a in items
    ]


def row_values(n: Notification) -> dict[str, Any]:
    return {
        "id": n.id,
        "dedupe_key": n.dedupe_key,
        "event_id": n.event_id,
        "user_id": n.user_id,
        "order_id": n.order_id,
        "order_number": n.order_number,
        "channel": str(n.channel),
        "kind": str(n.kind),
        "recipient": n.recipient,
        "language": n.language,
        "subject": n.subject,
        "body_text": n.body_text,
        "body_html": n.body_html,
        "attachments": _attachments_json(n.attachments),
        "status": str(n.status),
        "attempts": n.attempts,
        "next_attempt_at": n.next_attempt_at,
        "sent_at": n.sent_at,
        "provider_message_id": n.provider_message_id,
        "provider_response": n.provider_response,
        "history": list(n.history),
        "created_at": n.created_at,
        "updated_at": n.updated_at,
    }


def from_row(row: Mapping[str, Any]) -> Notification:
    return Notification(
        id=row["id"],
        dedupe_key=row["dedupe_key"],
        event_id=row["event_id"],
        user_id=row["user_id"],
        order_id=row["order_id"],
        order_number=row["order_number"],
        channel=Channel(row["channel"]),
        kind=Kind(row["kind"]),
        recipient=row["recipient"],
        language=row["language"],
        subject=row["subject"],
        body_text=row["body_text"],
        body_html=row["body_html"],
        attachments=tuple(
            Attachment(a["filename"], a["content_type"], base64.b64decode(a["content"]))
            for a in row["attachments"]
        ),
        status=Status(row["status"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        sent_at=row["sent_at"],
        provider_message_id=row["provider_message_id"],
        provider_response=row["provider_response"],
        history=list(row["history"]),
    )


def from_record(record: Mapping[str, Any]) -> Notification:
    """A message from its row as asyncpg returns it (JSONB columns as JSON text)."""
    row = dict(record.items())
    for column in JSON_COLUMNS:
        row[column] = json.loads(row[column])
    return from_row(row)


ONE_NOTIFICATION = Statement("SELECT notifications.* FROM notifications WHERE notifications.id = :id")


def _where(filters: Filters, params: Parameters) -> str:
    """The list's filters as a WHERE clause (empty without any), their values in `params`."""
    conditions = [
        f"notifications.{column} = {params.add(value)}"
        for column, value in (
            ("user_id", filters.user_id),
            ("status", None if filters.status is None else str(filters.status)),
            ("channel", None if filters.channel is None else str(filters.channel)),
            ("kind", None if filters.kind is None else str(filters.kind)),
            ("order_number", filters.order_number),
        )
        if value is not None
    ]
    return "WHERE " + " AND ".join(conditions) if conditions else ""


class SqlNotificationReader:
    """GET /notifications/ and /notifications/{id}: one-statement reads on the asyncpg pool, no
    transaction around them (the count and the page were two snapshots under the session too:
    READ COMMITTED)."""

    def __init__(self, reads: ReadPool) -> None:
        self._reads = reads

    async def list(self, filters: Filters, limit: int, offset: int) -> tuple[list[Notification], int]:
        # The count's parameters are the filters'; the page adds its LIMIT and OFFSET after them.
        params = Parameters()
        where = _where(filters, params)
        count = await self._reads.fetchrow(f"SELECT count(*) FROM notifications {where}", *params)  # noqa: S608 (columns and $n only)
        page = f"""
SELECT notifications.* FROM notifications {where}
ORDER BY notifications.created_at DESC, notifications.id
LIMIT {params.add(limit)} OFFSET {params.add(offset)}"""  # noqa: S608 (columns and $n only)
        records = await self._reads.fetch(page, *params)
        total = 0 if count is None else int(count[0])
        return [from_record(record) for record in records], total

    async def get(self, notification_id: uuid.UUID) -> Notification | None:
        record = await self._reads.fetchrow(ONE_NOTIFICATION.sql, *ONE_NOTIFICATION.args(id=notification_id))
        return None if record is None else from_record(record)
