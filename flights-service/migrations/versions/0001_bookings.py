"""bookings and hold_requests (the idempotency keys of POST /internal/bookings)

Revision ID: 0001_bookings
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_bookings"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bookings",
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("offer_id", sa.String(512), nullable=False),
        sa.Column("supplier", sa.String(32), nullable=False),
        sa.Column("supplier_order_id", sa.String(128), nullable=False),
        sa.Column("supplier_reference", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total_price", sa.Numeric(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("hold_expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("passengers", postgresql.JSONB(), nullable=False),
        sa.Column("contact", postgresql.JSONB(), nullable=False),
        sa.Column("tickets", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('held', 'issued', 'cancelled', 'expired')", name="ck_bookings_status_known"
        ),
        sa.CheckConstraint("total_price >= 0", name="ck_bookings_total_not_negative"),
        sa.PrimaryKeyConstraint("reference", name="pk_bookings"),
        sa.UniqueConstraint("idempotency_key", name="uq_bookings_idempotency_key"),
        sa.UniqueConstraint("supplier", "supplier_order_id", name="uq_bookings_supplier_order"),
    )
    op.create_table(
        "hold_requests",
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("booking_reference", sa.String(64), nullable=True),
        sa.Column("outcome", postgresql.JSONB(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_reference"],
            ["bookings.reference"],
            name="fk_hold_requests_booking_reference_bookings",
        ),
        sa.PrimaryKeyConstraint("idempotency_key", name="pk_hold_requests"),
    )


def downgrade() -> None:
    op.drop_table("hold_requests")
    op.drop_table("bookings")
