"""the booking contract: the shared idempotency_keys table replaces hold_requests; bookings keep
their trip and quote; money as NUMERIC(14,2)

Hold requests recorded under the old table are not carried over: their bodies had another shape,
so no retry could replay them. Bookings held before this revision get one quote line for their
total and no trip (their e-tickets then show the passenger, ticket number and booking code).

Revision ID: 0003_booking_contract
Revises: 0002_booking_refund_amount
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003_booking_contract"
down_revision: str | None = "0002_booking_refund_amount"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("response", postgresql.JSONB(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    op.drop_table("hold_requests")
    op.drop_column("bookings", "request_hash")
    op.alter_column(
        "bookings", "total_price", type_=sa.Numeric(14, 2), postgresql_using="round(total_price, 2)"
    )
    op.add_column(
        "bookings",
        sa.Column("itineraries", postgresql.JSONB(), server_default=sa.text("'[]'::jsonb"), nullable=False),
    )
    op.add_column("bookings", sa.Column("quote", postgresql.JSONB(), nullable=True))
    op.execute(
        "UPDATE bookings SET quote = jsonb_build_array(jsonb_build_object("
        "'description', 'Flight fare', 'quantity', 1, 'unit_price', total_price::text))"
    )
    op.alter_column("bookings", "quote", nullable=False)
    op.alter_column("bookings", "itineraries", server_default=None)


def downgrade() -> None:
    op.drop_column("bookings", "quote")
    op.drop_column("bookings", "itineraries")
    op.alter_column("bookings", "total_price", type_=sa.Numeric())
    op.add_column("bookings", sa.Column("request_hash", sa.String(64), server_default="", nullable=False))
    op.alter_column("bookings", "request_hash", server_default=None)
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
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
