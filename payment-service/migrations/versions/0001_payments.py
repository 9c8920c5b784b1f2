"""charges, notifications (every raw body received), refunds and the outbox

Revision ID: 0001_payments
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_payments"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES = (
    "pending",
    "challenge",
    "paid",
    "failed",
    "cancelled",
    "expired",
    "refunded",
    "partially_refunded",
)
VERDICTS = ("accepted", "forged", "unknown-order", "amount-mismatch", "invalid", "unconfirmed")


def upgrade() -> None:
    op.create_table(
        "charges",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.String(50), nullable=False),
        sa.Column("gateway", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("transaction_status", sa.String(40), nullable=True),
        sa.Column("fraud_status", sa.String(40), nullable=True),
        sa.Column("status_code", sa.String(10), nullable=True),
        sa.Column("gross_amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("payment_type", sa.String(40), nullable=True),
        sa.Column("gateway_transaction_id", sa.String(100), nullable=True),
        sa.Column("token", sa.String(200), nullable=True),
        sa.Column("redirect_url", sa.Text(), nullable=True),
        sa.Column("refunded_amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("settlement_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("request", postgresql.JSONB(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("request_fingerprint", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"status IN {STATUSES!r}", name="ck_charges_status_known"),
        sa.CheckConstraint("gross_amount > 0", name="ck_charges_gross_positive"),
        sa.CheckConstraint(
            "refunded_amount >= 0 AND refunded_amount <= gross_amount",
            name="ck_charges_refunded_within_gross",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_charges"),
        sa.UniqueConstraint("order_id", name="uq_charges_order_id"),
        sa.UniqueConstraint("idempotency_key", name="uq_charges_idempotency_key"),
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.String(100), nullable=True),
        sa.Column("transaction_status", sa.String(100), nullable=True),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("raw_body", sa.Text(), nullable=False),
        sa.Column("body", postgresql.JSONB(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"verdict IN {VERDICTS!r}", name="ck_notifications_verdict_known"),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
    )
    op.create_index("ix_notifications_order_id", "notifications", ["order_id"])
    op.create_table(
        "refunds",
        sa.Column("refund_key", sa.String(200), nullable=False),
        sa.Column("order_id", sa.String(50), nullable=False),
        sa.Column("amount", sa.Numeric(14, 2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("result", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name="ck_refunds_amount_positive"),
        sa.PrimaryKeyConstraint("refund_key", name="pk_refunds"),
    )
    op.create_index("ix_refunds_order_id", "refunds", ["order_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("payload", postgresql.JSONB(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column(
            "next_attempt_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    # The relay's query: undelivered rows that are due, oldest first.
    op.create_index(
        "ix_outbox_due",
        "outbox",
        ["next_attempt_at"],
        postgresql_where=sa.text("delivered_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
    op.drop_index("ix_refunds_order_id", table_name="refunds")
    op.drop_table("refunds")
    op.drop_index("ix_notifications_order_id", table_name="notifications")
    op.drop_table("notifications")
    op.drop_table("charges")
