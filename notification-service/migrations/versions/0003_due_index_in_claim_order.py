"""the delivery worker's index in the order it takes messages: (next_attempt_at, created_at)

Revision ID: 0003_due_index_in_claim_order
Revises: 0002_retention_indexes
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_due_index_in_claim_order"
down_revision: str | None = "0002_retention_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The worker takes the oldest due message ORDER BY next_attempt_at, created_at LIMIT 1. On
# (next_attempt_at) alone PostgreSQL read and sorted every due row (bodies and PDF) to take one,
# so each claim cost more the longer the queue; in this order LIMIT 1 stops at the first row it
# can lock. Dropped and made again under its name in the migration's one transaction, so no
# claim ever runs without it.


def upgrade() -> None:
    op.drop_index("ix_notifications_due", table_name="notifications")
    op.create_index(
        "ix_notifications_due",
        "notifications",
        ["next_attempt_at", "created_at"],
        postgresql_where=sa.text("status = 'queued'"),
    )


def downgrade() -> None:
    op.drop_index("ix_notifications_due", table_name="notifications")
    op.create_index(
        "ix_notifications_due",
        "notifications",
        ["next_attempt_at"],
        postgresql_where=sa.text("status = 'queued'"),
    )
