"""An order being ended on purpose says so before its charges are stopped.

Ending an unpaid order (a cancel, the hold's expiry) stops its charges at payment-service first and
then ends the order. A stopped charge's own event can come back and be applied before that second
step: it used to end the order as "payment expired" (its transaction FAILED, even for a cancel) and
the cancel then found the order already ended. `ending` holds the ender's transaction status,
reason and actor, so whichever step comes first ends the order the way it was meant.

Revision ID: 0005_order_ending
Revises: 0004_outbox_pending_indexes
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0005_order_ending"
down_revision: str | None = "0004_outbox_pending_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("orders", sa.Column("ending", JSONB, nullable=True))


def downgrade() -> None:
    op.drop_column("orders", "ending")
