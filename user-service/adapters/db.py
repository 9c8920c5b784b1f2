"""user-service tables and the implementations of the domain's repository ports, straight on
asyncpg: the statements are built from the Core tables below (the migrations use them too) and
compiled once for asyncpg; a search, whose filter depends on the call, is compiled per call.

Repositories never commit; `SqlUnitOfWork` does, when a use case says so.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg
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
    bindparam,
    delete,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.sql.elements import ColumnElement

from adapters.personal_data import PersonalDataCipher
from domain.models import MessagePreferences, Profile
from shared.db import AsyncpgStatement, AsyncpgUnitOfWork, ReadPool, bound

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "pk": "pk_%(table_name)s",
    }
)

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

_PLAIN_COLUMNS = (
    "user_id",
    "email",
    "full_name",
    "phone",
    "date_of_birth",
    "nationality",
    "address",
    "language",
    "sms_notifications",
    "time_zone",
    "created_at",
    "updated_at",
)
_SEALED_COLUMNS = ("id_number_ciphertext", "id_number_key_id", "id_number_hash")
_ID_NUMBER = "id_number"
# What a save rewrites: every column but the key and the creation time.
_SAVED_COLUMNS = tuple(
    name for name in (*_PLAIN_COLUMNS, *_SEALED_COLUMNS) if name not in ("user_id", "created_at")
)

_BY_ID = select(profiles).where(profiles.c.user_id == bindparam("user_id"))
GET = AsyncpgStatement(_BY_ID)
# Locked until the unit of work ends (a read-modify-write).
GET_LOCKED = AsyncpgStatement(_BY_ID.with_for_update())
# ON CONFLICT DO NOTHING: an account that already has a profile keeps it, and nothing is returned.
ADD = AsyncpgStatement(
    insert(profiles)
    .values({name: bindparam(name) for name in (*_PLAIN_COLUMNS, *_SEALED_COLUMNS)})
    .on_conflict_do_nothing(index_elements=[profiles.c.user_id])
    .returning(profiles.c.user_id)
)
SAVE = AsyncpgStatement(
    update(profiles)
    .where(profiles.c.user_id == bindparam("key_user_id"))
    .values({name: bindparam(name) for name in _SAVED_COLUMNS})
)
DELETE = AsyncpgStatement(
    delete(profiles).where(profiles.c.user_id == bindparam("user_id")).returning(profiles.c.user_id)
)
MESSAGE_PREFERENCES = AsyncpgStatement(
    select(profiles.c.user_id, profiles.c.language, profiles.c.sms_notifications, profiles.c.time_zone).where(
        profiles.c.user_id == bindparam("user_id")
    )
)
# ON CONFLICT DO NOTHING: a concurrent delivery of the same event waits on the primary key until
# the first commits, then inserts nothing, so it is seen as a duplicate.
RECORD_EVENT = AsyncpgStatement(
    insert(processed_events)
    .values(event_id=bindparam("event_id"), topic=bindparam("topic"))
    .on_conflict_do_nothing(index_elements=[processed_events.c.event_id])
    .returning(processed_events.c.event_id)
)


def _to_row(profile: Profile, cipher: PersonalDataCipher) -> dict[str, Any]:
    row = {name: getattr(profile, name) for name in _PLAIN_COLUMNS}
    sealed = (
        None if profile.id_number is None else cipher.seal(profile.id_number, profile.user_id, _ID_NUMBER)
    )
    row["id_number_ciphertext"] = sealed.ciphertext if sealed else None
    row["id_number_key_id"] = sealed.key_id if sealed else None
    row["id_number_hash"] = sealed.lookup_hash if sealed else None
    return row


def _to_profile(row: asyncpg.Record, cipher: PersonalDataCipher) -> Profile:
    profile = Profile(**{name: row[name] for name in _PLAIN_COLUMNS})
    if row["id_number_ciphertext"] is not None:
        profile.id_number = cipher.open(
            row["id_number_ciphertext"], row["id_number_key_id"], profile.user_id, _ID_NUMBER
        )
    return profile


def _like_pattern(query: str) -> str:
    """`query` as a literal substring for ILIKE: its own % and _ match only themselves."""
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SqlProfileRepository:
    def __init__(self, connection: asyncpg.Connection, cipher: PersonalDataCipher) -> None:
        self._connection = connection
        self._cipher = cipher

    async def get(self, user_id: UUID, *, for_update: bool = False) -> Profile | None:
        statement = GET_LOCKED if for_update else GET
        row = await self._connection.fetchrow(statement.sql, *statement.args(user_id=user_id))
        return None if row is None else _to_profile(row, self._cipher)

    async def add(self, profile: Profile) -> bool:
        row = _to_row(profile, self._cipher)
        return await self._connection.fetchval(ADD.sql, *ADD.args(**row)) is not None

    async def save(self, profile: Profile) -> None:
        row = _to_row(profile, self._cipher)
        await self._connection.execute(SAVE.sql, *SAVE.args(key_user_id=profile.user_id, **row))

    async def delete(self, user_id: UUID) -> bool:
        return await self._connection.fetchval(DELETE.sql, *DELETE.args(user_id=user_id)) is not None

    async def search(self, query: str | None, *, limit: int, offset: int) -> tuple[list[Profile], int]:
        condition: ColumnElement[bool] = true()
        if query:
            pattern = _like_pattern(query)
            condition = or_(
                profiles.c.full_name.ilike(pattern, escape="\\"),
                profiles.c.email.ilike(pattern, escape="\\"),
                # An identity number is found only whole: its keyed hash is all that is searchable.
                profiles.c.id_number_hash == self._cipher.lookup_hash(query),
            )
        total: int = await self._connection.fetchval(
            *bound(select(func.count()).select_from(profiles).where(condition))
        )
        rows = await self._connection.fetch(
            *bound(
                select(profiles)
                .where(condition)
                .order_by(profiles.c.created_at.desc(), profiles.c.user_id)
                .limit(limit)
                .offset(offset)
            )
        )
        return [_to_profile(row, self._cipher) for row in rows], total


class SqlMessagePreferences:
    """The four columns in one statement on a pooled connection, outside any transaction: one
    round trip, no BEGIN and no ROLLBACK around it (shared.db.ReadPool, which also tries again
    on a fresh connection if the pooled one had died)."""

    def __init__(self, reads: ReadPool) -> None:
        self._reads = reads

    async def read(self, user_id: UUID) -> MessagePreferences | None:
        row = await self._reads.fetchrow(MESSAGE_PREFERENCES.sql, *MESSAGE_PREFERENCES.args(user_id=user_id))
        if row is None:
            return None
        return MessagePreferences(
            user_id=row["user_id"],
            language=row["language"],
            sms_notifications=row["sms_notifications"],
            time_zone=row["time_zone"],
        )


class SqlProcessedEvents:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def record(self, event_id: UUID, topic: str) -> bool:
        arguments = RECORD_EVENT.args(event_id=event_id, topic=topic)
        return await self._connection.fetchval(RECORD_EVENT.sql, *arguments) is not None


class SqlUnitOfWork(AsyncpgUnitOfWork):
    """One transaction on one pooled connection, rolled back unless the use case commits."""

    profiles: SqlProfileRepository
    processed_events: SqlProcessedEvents

    def __init__(self, pool: asyncpg.Pool, cipher: PersonalDataCipher) -> None:
        super().__init__(pool)
        self._cipher = cipher

    def _bind(self, connection: asyncpg.Connection) -> None:
        self.profiles = SqlProfileRepository(connection, self._cipher)
        self.processed_events = SqlProcessedEvents(connection)

    @property
    def connection(self) -> asyncpg.Connection:
        """The connection the transaction runs on, for a statement no repository has (a test's
        look at the stored row)."""
        return self._connection
