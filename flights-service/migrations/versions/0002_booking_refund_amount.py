"""bookings.refund_amount: what the supplier refunds for cancelling an issued booking

Revision ID: 0002_booking_refund_amount
Revises: 0001_bookings
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_booking_refund_amount"
down_revision: str | None = "0001_bookings"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("bookings", sa.Column("refund_amount", sa.Numeric(14, 2), nullable=True))
    op.create_check_constraint(
        "ck_bookings_refund_not_negative", "bookings", "refund_amount IS NULL OR refund_amount >= 0"
    )


def downgrade() -> None:
    op.drop_constraint("ck_bookings_refund_not_negative", "bookings", type_="check")
    op.drop_column("bookings", "refund_amount")
