"""auth-service tables (SQLAlchemy Core): accounts, refresh tokens and the outbox. The migrations
(migrations/env.py) and the tests import them; the service itself runs plain SQL on asyncpg
(adapters/repositories.py, adapters/account_states.py) and never loads SQLAlchemy."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    true,
)

from shared.schema import NAMING_CONVENTION, outbox_table

metadata = MetaData(naming_convention=NAMING_CONVENTION)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Uuid, primary_key=True),
    # Stored lowercased (the CHECK holds every writer to it), so the plain unique index makes
    # emails unique case-insensitively.
    Column("email", String(320), nullable=False, unique=True),
    Column("password_hash", String(512), nullable=False),
    Column("role", String(16), nullable=False),
    Column("is_active", Boolean, nullable=False, server_default=true()),
    Column("token_version", Integer, nullable=False, server_default="0"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    CheckConstraint("role IN ('user', 'admin')", name="role"),
    CheckConstraint("email = lower(email)", name="email_lowercase"),
    CheckConstraint("token_version >= 0", name="token_version_not_negative"),
)

refresh_tokens = Table(
    "refresh_tokens",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("account_id", Uuid, ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("family_id", Uuid, nullable=False, index=True),
    # SHA-256 hex of the opaque token; the token itself is never stored.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("used_at", DateTime(timezone=True), nullable=True),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
)

# The retention job deletes by expiry.
Index("ix_refresh_tokens_expires_at", refresh_tokens.c.expires_at)

outbox = outbox_table(metadata)
# The relay's query: undelivered rows that are due.
Index("ix_outbox_pending", outbox.c.next_attempt_at, postgresql_where=outbox.c.delivered_at.is_(None))
# The outbox retention's query: what was delivered longest ago.
Index("ix_outbox_delivered", outbox.c.delivered_at, postgresql_where=outbox.c.delivered_at.is_not(None))
