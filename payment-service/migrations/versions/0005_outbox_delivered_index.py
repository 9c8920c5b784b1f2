"""Delivered outbox rows indexed by delivery time, for the outbox retention.

Revision ID: 0005_outbox_delivered_index
Revises: 0004_personal_data_retention
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_outbox_delivered_index"
down_revision: str | None = "0004_personal_data_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_outbox_delivered",
        "outbox",
        ["delivered_at"],
        postgresql_where=sa.text("delivered_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_outbox_delivered", table_name="outbox")
