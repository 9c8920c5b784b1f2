"""The tables (received events, notifications), a message's row and the reader of GET
/notifications/, straight on asyncpg as the hot paths' unit of work is (adapters/unit_of_work.py),
with the same row codec. The statements are built with SQLAlchemy Core and compiled for asyncpg:
the one-message read once, the list (its filters and page) per call.

JSONB columns come back as JSON text (asyncpg's own codec), decoded here."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

from domain.models import Attachment, Channel, Kind, Notification, Status
from domain.ports import Filters
from shared.db import AsyncpgStatement, ReadPool, bound

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

received_events = Table(
    "received_events",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("topic", String(100), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

notifications = Table(
    "notifications",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("event_id", Uuid, nullable=False),
    Column("user_id", String(64), nullable=True),
    Column("order_id", String(64), nullable=True),
    Column("order_number", String(64), nullable=True),
    Column("channel", String(8), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("language", String(8), nullable=False),
    Column("subject", Text, nullable=True),
    Column("body_text", Text, nullable=False),
    Column("body_html", Text, nullable=True),
    # [{"filename", "content_type", "content" (base64)}]: small PDFs, kept until sent.
    Column("attachments", JSONB, nullable=False),
    Column("status", String(8), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Column("provider_message_id", String(200), nullable=True),
    Column("provider_response", Text, nullable=True),
    Column("history", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("status IN ('queued', 'sent', 'failed')", name="status"),
    CheckConstraint("channel IN ('email', 'sms')", name="channel"),
)
# The delivery worker's question: what is queued and due, in the order it takes them
# (adapters/unit_of_work.py NEXT_DUE), so that LIMIT 1 reads one row, not every due one sorted.
Index(
    "ix_notifications_due",
    notifications.c.next_attempt_at,
    notifications.c.created_at,
    postgresql_where=notifications.c.status == "queued",
)
# The retention job's question: what finished longest ago.
Index(
    "ix_notifications_finished",
    notifications.c.updated_at,
    postgresql_where=notifications.c.status.in_(("sent", "failed")),
)
Index("ix_received_events_received_at", received_events.c.received_at)
Index("ix_notifications_user_created", notifications.c.user_id, notifications.c.created_at)
Index("ix_notifications_order_number", notifications.c.order_number)

t = notifications
# The JSONB columns: JSON text to and from asyncpg.
JSON_COLUMNS = frozenset({"attachments", "history"})


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


ONE_NOTIFICATION = AsyncpgStatement(select(t).where(t.c.id == bindparam("id")))


def _conditions(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if filters.user_id is not None:
        conditions.append(t.c.user_id == filters.user_id)
    if filters.status is not None:
        conditions.append(t.c.status == str(filters.status))
    if filters.channel is not None:
        conditions.append(t.c.channel == str(filters.channel))
    if filters.kind is not None:
        conditions.append(t.c.kind == str(filters.kind))
    if filters.order_number is not None:
        conditions.append(t.c.order_number == filters.order_number)
    return conditions


class SqlNotificationReader:
    """GET /notifications/ and /notifications/{id}: one-statement reads on the asyncpg pool, no
    transaction around them (the count and the page were two snapshots under the session too:
    READ COMMITTED)."""

    def __init__(self, reads: ReadPool) -> None:
        self._reads = reads

    async def list(self, filters: Filters, limit: int, offset: int) -> tuple[list[Notification], int]:
        conditions = _conditions(filters)
        count = await self._reads.fetchrow(*bound(select(func.count()).select_from(t).where(*conditions)))
        page = (
            select(t).where(*conditions).order_by(t.c.created_at.desc(), t.c.id).limit(limit).offset(offset)
        )
        records = await self._reads.fetch(*bound(page))
        total = 0 if count is None else int(count[0])
        return [from_record(record) for record in records], total

    async def get(self, notification_id: uuid.UUID) -> Notification | None:
        record = await self._reads.fetchrow(ONE_NOTIFICATION.sql, *ONE_NOTIFICATION.args(id=notification_id))
        return None if record is None else from_record(record)
