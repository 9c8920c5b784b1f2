"""profiles: the zone times in our messages are written in (WIB, WITA or WIT)

Revision ID: 0004_time_zone
Revises: 0003_message_preferences
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_time_zone"
down_revision: str | None = "0003_message_preferences"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing people keep what was true before: every time in WIB.
    op.add_column(
        "profiles", sa.Column("time_zone", sa.String(32), nullable=False, server_default="Asia/Jakarta")
    )
    op.create_check_constraint(
        op.f("ck_profiles_time_zone"),
        "profiles",
        "time_zone IN ('Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura')",
    )


def downgrade() -> None:
    op.drop_constraint(op.f("ck_profiles_time_zone"), "profiles", type_="check")
    op.drop_column("profiles", "time_zone")
