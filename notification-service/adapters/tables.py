"""notification-service tables (SQLAlchemy Core): the received events and the messages.

Only the migrations (migrations/env.py) and the tests import this. The service itself runs plain
SQL on asyncpg (adapters/db.py, unit_of_work.py, event_log.py), written against these tables."""

from __future__ import annotations

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
    func,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.schema import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)

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
