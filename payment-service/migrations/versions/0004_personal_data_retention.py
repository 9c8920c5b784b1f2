"""notifications: accepted bodies reduced after a retention; charges: no customer once started

`reduced_at` marks an accepted notification whose body was reduced to what we act on and
reconcile with, and a partial index finds the ones still whole. Charges whose gateway already
answered lose the customer (name, email, phone) from the stored request, as new ones do when
the gateway answers.

Revision ID: 0004_personal_data_retention
Revises: 0003_notification_retention
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_personal_data_retention"
down_revision: str | None = "0003_notification_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("notifications", sa.Column("reduced_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(
        "ix_notifications_unreduced_received_at",
        "notifications",
        ["received_at"],
        postgresql_where=sa.text("verdict = 'accepted' AND reduced_at IS NULL"),
    )
    # The same as domain/personal_data.py's without_customer, for charges started before it.
    op.execute(
        """
        UPDATE charges
        SET request = (request - 'customer_details' - 'payer_email' - 'customer')
                      || '{"customer_dropped": true}'::jsonb
        WHERE token IS NOT NULL AND NOT request @> '{"customer_dropped": true}'::jsonb
        """
    )


def downgrade() -> None:
    # The customers dropped from charges cannot come back; the marker stays harmless.
    op.drop_index("ix_notifications_unreduced_received_at", table_name="notifications")
    op.drop_column("notifications", "reduced_at")
