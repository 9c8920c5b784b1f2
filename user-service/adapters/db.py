"""user-service tables and the SQLAlchemy implementations of the domain's repository ports.

Repositories never commit; `SqlUnitOfWork` does, when a use case says so.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

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
    delete,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from adapters.personal_data import PersonalDataCipher
from domain.models import MessagePreferences, Profile
from shared.db import SqlAlchemyUnitOfWork

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
_ID_NUMBER = "id_number"


def _to_row(profile: Profile, cipher: PersonalDataCipher) -> dict[str, Any]:
    row = {name: getattr(profile, name) for name in _PLAIN_COLUMNS}
    sealed = (
        None if profile.id_number is None else cipher.seal(profile.id_number, profile.user_id, _ID_NUMBER)
    )
    row["id_number_ciphertext"] = sealed.ciphertext if sealed else None
    row["id_number_key_id"] = sealed.key_id if sealed else None
    row["id_number_hash"] = sealed.lookup_hash if sealed else None
    return row


def _to_profile(row: RowMapping, cipher: PersonalDataCipher) -> Profile:
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
    def __init__(self, session: AsyncSession, cipher: PersonalDataCipher) -> None:
        self._session = session
        self._cipher = cipher

    async def get(self, user_id: UUID, *, for_update: bool = False) -> Profile | None:
        statement = select(profiles).where(profiles.c.user_id == user_id)
        if for_update:
            statement = statement.with_for_update()
        row = (await self._session.execute(statement)).mappings().first()
        return None if row is None else _to_profile(row, self._cipher)

    async def add(self, profile: Profile) -> bool:
        statement = (
            insert(profiles)
            .values(**_to_row(profile, self._cipher))
            .on_conflict_do_nothing(index_elements=[profiles.c.user_id])
            .returning(profiles.c.user_id)
        )
        return (await self._session.execute(statement)).first() is not None

    async def save(self, profile: Profile) -> None:
        values = _to_row(profile, self._cipher)
        del values["user_id"], values["created_at"]
        await self._session.execute(
            update(profiles).where(profiles.c.user_id == profile.user_id).values(**values)
        )

    async def delete(self, user_id: UUID) -> bool:
        result = await self._session.execute(
            delete(profiles).where(profiles.c.user_id == user_id).returning(profiles.c.user_id)
        )
        return result.first() is not None

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
        total = (
            await self._session.execute(select(func.count()).select_from(profiles).where(condition))
        ).scalar_one()
        rows = (
            await self._session.execute(
                select(profiles)
                .where(condition)
                .order_by(profiles.c.created_at.desc(), profiles.c.user_id)
                .limit(limit)
                .offset(offset)
            )
        ).mappings()
        return [_to_profile(row, self._cipher) for row in rows], total


class SqlMessagePreferences:
    """The four columns on a pooled connection in autocommit: one round trip, no BEGIN and no
    ROLLBACK around it (with asyncpg, switching a connection to autocommit and back costs none)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def read(self, user_id: UUID) -> MessagePreferences | None:
        p = profiles.c
        statement = select(p.user_id, p.language, p.sms_notifications, p.time_zone).where(
            p.user_id == user_id
        )
        async with self._engine.connect() as conn:
            single = await conn.execution_options(isolation_level="AUTOCOMMIT")
            row = (await single.execute(statement)).first()
        return None if row is None else MessagePreferences(*row)


class SqlProcessedEvents:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(self, event_id: UUID, topic: str) -> bool:
        # ON CONFLICT DO NOTHING: a concurrent delivery of the same event waits on the primary
        # key until the first commits, then inserts nothing, so it is seen as a duplicate.
        statement = (
            insert(processed_events)
            .values(event_id=event_id, topic=topic)
            .on_conflict_do_nothing(index_elements=[processed_events.c.event_id])
            .returning(processed_events.c.event_id)
        )
        return (await self._session.execute(statement)).first() is not None


class SqlUnitOfWork(SqlAlchemyUnitOfWork):
    profiles: SqlProfileRepository
    processed_events: SqlProcessedEvents

    def __init__(self, sessions: async_sessionmaker[AsyncSession], cipher: PersonalDataCipher) -> None:
        super().__init__(sessions)
        self._cipher = cipher

    def _bind(self, session: AsyncSession) -> None:
        self.profiles = SqlProfileRepository(session, self._cipher)
        self.processed_events = SqlProcessedEvents(session)
