"""The implementations of the domain's repository ports, straight on asyncpg, in plain SQL: the
statements run on every request are written once here (shared.db.Statement); a search, whose
filter depends on the call, is built per call (shared.db.Parameters). A statement that reads or
adds a whole profile names every column, in the table's order: adapters/tables.py declares the
tables for the migrations, and tests/unit/test_statement_columns.py holds the two together.

Repositories never commit; `SqlUnitOfWork` does, when a use case says so.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from adapters.personal_data import PersonalDataCipher
from domain.models import MessagePreferences, Profile
from shared.db import AsyncpgUnitOfWork, Parameters, ReadPool, Statement, like_containing

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

# A profile's whole row, in the table's order (tests/unit/test_statement_columns.py holds it so).
SELECT_PROFILES = """
    SELECT user_id, email, full_name, phone, date_of_birth, nationality,
           id_number_ciphertext, id_number_key_id, id_number_hash,
           address, language, sms_notifications, time_zone, created_at, updated_at
    FROM profiles"""

GET = Statement(
    SELECT_PROFILES
    + """
    WHERE user_id = :user_id
"""
)
# Locked until the unit of work ends (a read-modify-write).
GET_LOCKED = Statement(
    SELECT_PROFILES
    + """
    WHERE user_id = :user_id
    FOR UPDATE
"""
)
# ON CONFLICT DO NOTHING: an account that already has a profile keeps it, and nothing is returned.
ADD = Statement("""
    INSERT INTO profiles (
        user_id, email, full_name, phone, date_of_birth, nationality,
        id_number_ciphertext, id_number_key_id, id_number_hash,
        address, language, sms_notifications, time_zone, created_at, updated_at
    )
    VALUES (
        :user_id, :email, :full_name, :phone, :date_of_birth, :nationality,
        :id_number_ciphertext, :id_number_key_id, :id_number_hash,
        :address, :language, :sms_notifications, :time_zone, :created_at, :updated_at
    )
    ON CONFLICT (user_id) DO NOTHING
    RETURNING user_id
""")
# Every column but the key and the creation time.
SAVE = Statement("""
    UPDATE profiles
    SET email = :email,
        full_name = :full_name,
        phone = :phone,
        date_of_birth = :date_of_birth,
        nationality = :nationality,
        id_number_ciphertext = :id_number_ciphertext,
        id_number_key_id = :id_number_key_id,
        id_number_hash = :id_number_hash,
        address = :address,
        language = :language,
        sms_notifications = :sms_notifications,
        time_zone = :time_zone,
        updated_at = :updated_at
    WHERE user_id = :user_id
""")
DELETE = Statement("""
    DELETE FROM profiles
    WHERE user_id = :user_id
    RETURNING user_id
""")
MESSAGE_PREFERENCES = Statement("""
    SELECT user_id, language, sms_notifications, time_zone
    FROM profiles
    WHERE user_id = :user_id
""")
# ON CONFLICT DO NOTHING: a concurrent delivery of the same event waits on the primary key until
# the first commits, then inserts nothing, so it is seen as a duplicate.
RECORD_EVENT = Statement("""
    INSERT INTO processed_events (event_id, topic)
    VALUES (:event_id, :topic)
    ON CONFLICT (event_id) DO NOTHING
    RETURNING event_id
""")


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
        await self._connection.execute(SAVE.sql, *SAVE.args(**row))

    async def delete(self, user_id: UUID) -> bool:
        return await self._connection.fetchval(DELETE.sql, *DELETE.args(user_id=user_id)) is not None

    async def search(self, query: str | None, *, limit: int, offset: int) -> tuple[list[Profile], int]:
        params = Parameters()
        condition = "true"
        if query:
            pattern = params.add(like_containing(query))
            # An identity number is found only whole: its keyed hash is all that is searchable.
            lookup_hash = params.add(self._cipher.lookup_hash(query))
            condition = (
                f"full_name ILIKE {pattern} OR email ILIKE {pattern} OR id_number_hash = {lookup_hash}"
            )
        count = f"SELECT count(*) FROM profiles WHERE {condition}"  # noqa: S608 (placeholders only)
        total: int = await self._connection.fetchval(count, *params)
        page = f"""{SELECT_PROFILES}
            WHERE {condition}
            ORDER BY created_at DESC, user_id
            LIMIT {params.add(limit)} OFFSET {params.add(offset)}
        """
        rows = await self._connection.fetch(page, *params)
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
