"""user-service tables (SQLAlchemy Core): profiles and the account events already processed. The
migrations (migrations/env.py) and the tests import them; the service itself runs plain SQL on
asyncpg (adapters/db.py) and never loads SQLAlchemy."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    Uuid,
    func,
    true,
)

from shared.schema import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)

profiles = Table(
    "profiles",
    metadata,
    # The account id from auth-service: one profile per account.
    Column("user_id", Uuid, primary_key=True),
    Column("email", String(320), nullable=False),
    Column("full_name", String(200), nullable=True),
    Column("phone", String(20), nullable=True),
    Column("date_of_birth", Date, nullable=True),
    Column("nationality", String(2), nullable=False, server_default="ID"),
    # The KTP or passport number, encrypted (adapters/personal_data.py): nonce + ciphertext +
    # tag, the id of the key that sealed it, and its keyed hash for equality search.
    Column("id_number_ciphertext", LargeBinary, nullable=True),
    Column("id_number_key_id", String(32), nullable=True),
    Column("id_number_hash", LargeBinary(32), nullable=True),
    Column("address", String(500), nullable=True),
    Column("language", String(2), nullable=False, server_default="id"),
    Column("sms_notifications", Boolean, nullable=False, server_default=true()),
    Column("time_zone", String(32), nullable=False, server_default="Asia/Jakarta"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("email = lower(email)", name="email_lowercase"),
    CheckConstraint("nationality ~ '^[A-Z]{2}$'", name="nationality_alpha2"),
    CheckConstraint("language IN ('id', 'en')", name="language"),
    CheckConstraint("time_zone IN ('Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura')", name="time_zone"),
    CheckConstraint("phone ~ '^\\+[1-9][0-9]{4,14}$'", name="phone_e164"),
    CheckConstraint(
        "(id_number_ciphertext IS NULL) = (id_number_key_id IS NULL) "
        "AND (id_number_ciphertext IS NULL) = (id_number_hash IS NULL)",
        name="id_number_sealed_whole",
    ),
)
# GET /users/ lists newest first, then by id.
Index("ix_profiles_newest_first", profiles.c.created_at.desc(), profiles.c.user_id)
# An admin's search by KTP or passport number.
Index("ix_profiles_id_number_hash", profiles.c.id_number_hash)

processed_events = Table(
    "processed_events",
    metadata,
    Column("event_id", Uuid, primary_key=True),
    Column("topic", String(100), nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
