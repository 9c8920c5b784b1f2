"""indexes for the retention job: finished messages by age, received event ids by age

Revision ID: 0002_retention_indexes
Revises: 0001_notifications
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_retention_indexes"
down_revision: str | None = "0001_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_notifications_finished",
        "notifications",
        ["updated_at"],
        postgresql_where=sa.text("status IN ('sent', 'failed')"),
    )
    op.create_index("ix_received_events_received_at", "received_events", ["received_at"])


def downgrade() -> None:
    op.drop_index("ix_received_events_received_at", table_name="received_events")
    op.drop_index("ix_notifications_finished", table_name="notifications")
