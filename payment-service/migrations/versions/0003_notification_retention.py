"""notifications: which gateway sent each one, and an index for purging old rejects

Xendit callbacks are recorded beside Midtrans notifications; rejected ones are kept as capped
summaries and purged after NOTIFICATION_REJECT_RETENTION_HOURS.

Revision ID: 0003_notification_retention
Revises: 0002_idempotency_keys
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_notification_retention"
down_revision: str | None = "0002_idempotency_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "notifications",
        sa.Column("gateway", sa.String(20), nullable=False, server_default="midtrans"),
    )
    op.create_index(
        "ix_notifications_rejected_received_at",
        "notifications",
        ["received_at"],
        postgresql_where=sa.text("verdict <> 'accepted'"),
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_rejected_received_at", table_name="notifications")
    op.drop_column("notifications", "gateway")
