"""idempotency_keys (the shared Idempotency-Key records); charges lose request_fingerprint

Charges and refunds used to check their own request fingerprints; the Idempotency-Key records
(shared.idempotency) do that now for both, so the charge keeps only the key it was created under.

Revision ID: 0002_idempotency_keys
Revises: 0001_payments
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_idempotency_keys"
down_revision: str | None = "0001_payments"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),  # null while the first request runs
        sa.Column("response", postgresql.JSONB(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("scope", "key", name="pk_idempotency_keys"),
    )
    # Purges and take-overs of abandoned keys look rows up by age.
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])
    op.drop_column("charges", "request_fingerprint")


def downgrade() -> None:
    # The old fingerprints cannot be recomputed here; an empty one only makes an old-style retry
    # of an existing charge answer idempotency-key-reused.
    op.add_column(
        "charges",
        sa.Column("request_fingerprint", sa.String(64), server_default="", nullable=False),
    )
    op.alter_column("charges", "request_fingerprint", server_default=None)
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
