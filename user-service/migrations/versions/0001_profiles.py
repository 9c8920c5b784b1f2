"""profiles and processed_events

Revision ID: 0001_profiles
Revises:
Create Date: 2025-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_profiles"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "profiles",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("full_name", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("nationality", sa.String(2), server_default="ID", nullable=False),
        sa.Column("id_number", sa.String(16), nullable=True),
        sa.Column("address", sa.String(500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("email = lower(email)", name="ck_profiles_email_lowercase"),
        sa.CheckConstraint("nationality ~ '^[A-Z]{2}$'", name="ck_profiles_nationality_alpha2"),
        sa.CheckConstraint("phone ~ '^\\+[1-9][0-9]{4,14}$'", name="ck_profiles_phone_e164"),
        sa.PrimaryKeyConstraint("user_id", name="pk_profiles"),
    )
    op.create_index(
        "ix_profiles_newest_first", "profiles", [sa.text("created_at DESC"), "user_id"], unique=False
    )
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name="pk_processed_events"),
    )


def downgrade() -> None:
    op.drop_table("processed_events")
    op.drop_index("ix_profiles_newest_first", table_name="profiles")
    op.drop_table("profiles")
