"""The tables' shared parts, in SQLAlchemy Core, for each service's adapters/tables.py: the
naming convention of constraints and indexes, and the shapes of the outbox, the Idempotency-Key
rows and a booking's status check.

Only the migrations (Alembic) and the tests import this: a service process runs plain SQL on
asyncpg (shared/db.py) and never loads SQLAlchemy. The SQL of shared/outbox.py, shared/idempotency.py
and shared/booking_table.py is written against these shapes."""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

from shared.booking_lifecycle import BookingStatus

# Constraint and index names every service's tables and migrations use, so that a migration can
# name what it drops (ck_bookings_status_known, uq_bookings_idempotency_key, …).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def outbox_table(metadata: sa.MetaData, name: str = "outbox") -> sa.Table:
    """The outbox's shape; a service may keep a second one (say, a local work queue) by name."""
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("payload", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
    )


def idempotency_table(metadata: sa.MetaData, name: str = "idempotency_keys") -> sa.Table:
    """The key rows' shape. `status_code` is null while the first request runs; `created_at` is
    when its current owner started (indexed: purges and take-overs look rows up by age)."""
    return sa.Table(
        name,
        metadata,
        sa.Column("scope", sa.Text, primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("status_code", sa.Integer, nullable=True),
        sa.Column("response", JSONB, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Index(f"ix_{name}_created_at", "created_at"),
    )


def status_check(statuses: Iterable[BookingStatus] = BookingStatus) -> sa.CheckConstraint:
    """`status IN (…)` over the statuses a product's bookings can take (named status_known)."""
    values = tuple(status.value for status in statuses)
    return sa.CheckConstraint(f"status IN {values!r}", name="status_known")
