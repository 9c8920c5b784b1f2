"""Delivered outbox and work-queue rows indexed by delivery time, for the outbox retention.

Revision ID: 0003_outbox_delivered_indexes
Revises: 0002_product_neutral_orders
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_outbox_delivered_indexes"
down_revision: str | None = "0002_product_neutral_orders"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("outbox", "work_queue")


def upgrade() -> None:
    for table in TABLES:
        op.create_index(
            f"ix_{table}_delivered",
            table,
            ["delivered_at"],
            postgresql_where=sa.text("delivered_at IS NOT NULL"),
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_delivered", table_name=table)
