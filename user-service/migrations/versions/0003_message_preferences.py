"""profiles: how TiketQ writes to the person (language, SMS on or off)

Revision ID: 0003_message_preferences
Revises: 0002_encrypt_id_numbers
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_message_preferences"
down_revision: str | None = "0002_encrypt_id_numbers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing people keep what was true before: Indonesian, and SMS about their orders.
    op.add_column("profiles", sa.Column("language", sa.String(2), nullable=False, server_default="id"))
    op.add_column(
        "profiles", sa.Column("sms_notifications", sa.Boolean(), nullable=False, server_default=sa.true())
    )
    op.create_check_constraint(op.f("ck_profiles_language"), "profiles", "language IN ('id', 'en')")


def downgrade() -> None:
    op.drop_constraint(op.f("ck_profiles_language"), "profiles", type_="check")
    op.drop_column("profiles", "sms_notifications")
    op.drop_column("profiles", "language")
