"""product-neutral orders (line_items, booking) and the shared idempotency keys' shape

Orders keep the product's quote lines and their copy of the booking in two new JSONB columns;
orders written before keep what they had: their booking is read from the flight-shaped
booking_details (supplier, references, status, tickets as e-ticket documents) and their one line
is the order's total. idempotency_keys takes shared/idempotency.py's shape: text columns,
finished_at, and an index on created_at for purges.

Revision ID: 0002_product_neutral_orders
Revises: 0001_money_path
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002_product_neutral_orders"
down_revision: str | None = "0001_money_path"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BACKFILL = """
UPDATE orders SET
  line_items = jsonb_build_array(jsonb_build_object(
    'description', 'TiketQ ' || service_type || ' ' || order_number,
    'quantity', quantity,
    'unit_price', to_char(unit_price, 'FM999999999990.00'))),
  booking = jsonb_build_object(
    'status', COALESCE(booking_details->>'booking_status', 'held'),
    'supplier', COALESCE(booking_details->>'supplier', ''),
    'supplier_reference', COALESCE(booking_details->>'supplier_reference', ''),
    'holds_inventory', true,
    'documents', COALESCE((
      SELECT jsonb_agg(jsonb_build_object(
        'kind', 'e-ticket',
        'reference', t->>'ticket_number',
        'title', 'E-ticket ' || COALESCE(t->>'passenger', ''),
        'fields', jsonb_build_object('passenger', COALESCE(t->>'passenger', ''))))
      FROM jsonb_array_elements(COALESCE(booking_details->'tickets', '[]'::jsonb)) AS t), '[]'::jsonb),
    'refund_amount', booking_details->'supplier_refund_amount',
    'failure_reason', NULL,
    'customer', jsonb_build_object(
      'first_name', COALESCE(booking_details->'passengers'->0->>'first_name', ''),
      'last_name', COALESCE(booking_details->'passengers'->0->>'last_name', ''),
      'email', COALESCE(booking_details->'contact'->>'email', ''),
      'phone', COALESCE(booking_details->'contact'->>'phone', '')))
"""


def upgrade() -> None:
    op.add_column(
        "orders",
        sa.Column("line_items", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False),
    )
    op.add_column(
        "orders",
        sa.Column("booking", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
    )
    op.execute(_BACKFILL)
    for column in ("scope", "key", "fingerprint"):
        op.alter_column("idempotency_keys", column, type_=sa.Text(), existing_nullable=False)
    op.add_column("idempotency_keys", sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE idempotency_keys SET finished_at = created_at WHERE status_code IS NOT NULL")
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_column("idempotency_keys", "finished_at")
    op.alter_column("idempotency_keys", "fingerprint", type_=sa.String(length=64), existing_nullable=False)
    op.alter_column("idempotency_keys", "key", type_=sa.String(length=200), existing_nullable=False)
    op.alter_column("idempotency_keys", "scope", type_=sa.String(length=120), existing_nullable=False)
    op.drop_column("orders", "booking")
    op.drop_column("orders", "line_items")
