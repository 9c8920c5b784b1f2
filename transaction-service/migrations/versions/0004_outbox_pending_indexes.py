"""Undelivered outbox and work-queue rows indexed in the relay's order, for the relay's claim.

The claim takes the oldest due rows (`delivered_at IS NULL ... ORDER BY created_at LIMIT n FOR
UPDATE SKIP LOCKED`). Without an index it read the whole table on every pass, delivered rows
included, until the retention purged them: a cost growing with the table, paid on every commit
that wakes a relay. A partial index holds only the rows still to deliver, in created_at order, so
a pass reads about as many entries as it takes.

Revision ID: 0004_outbox_pending_indexes
Revises: 0003_outbox_delivered_indexes
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_outbox_pending_indexes"
down_revision: str | None = "0003_outbox_delivered_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("outbox", "work_queue")


def upgrade() -> None:
    for table in TABLES:
        op.create_index(
            f"ix_{table}_pending",
            table,
            ["created_at"],
            postgresql_where=sa.text("delivered_at IS NULL"),
        )


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_pending", table_name=table)
