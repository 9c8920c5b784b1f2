"""The domain's repositories on PostgreSQL, straight on the unit of work's asyncpg connection
(adapters/unit_of_work.py). They never commit: the use case does, through the unit of work.

Plain SQL: the statements run on every sign-in, refresh and admin change are written once here
(shared.db.Statement); the account search, whose filters vary, is built per call
(shared.db.Parameters). A statement that reads or adds a whole row names every column of its
table, in the table's order: adapters/tables.py declares the tables for the migrations, and
tests/unit/test_statement_columns.py holds the two together."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from domain.errors import EmailAlreadyRegistered
from domain.models import Account, AccountPage, RefreshToken, Role
from shared.db import Parameters, Statement, like_containing
from shared.outbox import Dispatcher, OutboxEvent, add_event_on_connection

# The outbox table, by name: shared.outbox's relay and retention take it so (app.py).
OUTBOX = "outbox"

# An account's whole row, in the table's order (tests/unit/test_statement_columns.py holds it so).
SELECT_ACCOUNTS = """
    SELECT id, email, password_hash, role, is_active, token_version, created_at, updated_at
    FROM accounts"""

# ON CONFLICT DO NOTHING rather than catching the unique violation: a failed INSERT would abort
# the whole transaction; this way the caller's transaction stays usable.
ADD_ACCOUNT = Statement("""
    INSERT INTO accounts (id, email, password_hash, role, is_active, token_version, created_at, updated_at)
    VALUES (:id, :email, :password_hash, :role, :is_active, :token_version, :created_at, :updated_at)
    ON CONFLICT (email) DO NOTHING
    RETURNING id
""")
ACCOUNT_BY_ID = Statement(
    SELECT_ACCOUNTS
    + """
    WHERE id = :id
"""
)
ACCOUNT_BY_ID_LOCKED = Statement(
    SELECT_ACCOUNTS
    + """
    WHERE id = :id
    FOR UPDATE
"""
)
ACCOUNT_BY_EMAIL = Statement(
    SELECT_ACCOUNTS
    + """
    WHERE email = :email
"""
)
SAVE_ACCOUNT = Statement("""
    UPDATE accounts
    SET password_hash = :password_hash,
        role = :role,
        is_active = :is_active,
        token_version = :token_version,
        updated_at = :updated_at
    WHERE id = :id
""")
# Ordered by id: one lock order for every transaction.
LOCK_ACTIVE_ADMINS = Statement("""
    SELECT id
    FROM accounts
    WHERE role = :role AND is_active IS true
    ORDER BY id
    FOR UPDATE
""")

ADD_REFRESH_TOKEN = Statement("""
    INSERT INTO refresh_tokens
        (id, account_id, family_id, token_hash, created_at, expires_at, used_at, revoked_at)
    VALUES
        (:id, :account_id, :family_id, :token_hash, :created_at, :expires_at, :used_at, :revoked_at)
""")
REFRESH_TOKEN_BY_HASH_LOCKED = Statement("""
    SELECT id, account_id, family_id, token_hash, created_at, expires_at, used_at, revoked_at
    FROM refresh_tokens
    WHERE token_hash = :token_hash
    FOR UPDATE
""")
MARK_USED = Statement("""
    UPDATE refresh_tokens
    SET used_at = :when
    WHERE id = :id
""")
REVOKE_FAMILY = Statement("""
    UPDATE refresh_tokens
    SET revoked_at = :when
    WHERE family_id = :family_id AND revoked_at IS NULL
""")
REVOKE_ALL_FOR_ACCOUNT = Statement("""
    UPDATE refresh_tokens
    SET revoked_at = :when
    WHERE account_id = :account_id AND revoked_at IS NULL
""")
# A family with one live token keeps its old ones: a spent token coming back must still be
# recognised as reuse and revoke that live token.
PURGE_EXPIRED_TOKENS = Statement("""
    DELETE FROM refresh_tokens
    WHERE expires_at < :expired_before
      AND NOT EXISTS (
          SELECT newer.id
          FROM refresh_tokens AS newer
          WHERE newer.family_id = refresh_tokens.family_id AND newer.expires_at >= :now
      )
""")


def account_from_row(row: asyncpg.Record) -> Account:
    return Account(
        id=row["id"],
        email=row["email"],
        password_hash=row["password_hash"],
        role=Role(row["role"]),
        is_active=row["is_active"],
        token_version=row["token_version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _refresh_token(row: asyncpg.Record) -> RefreshToken:
    return RefreshToken(
        id=row["id"],
        account_id=row["account_id"],
        family_id=row["family_id"],
        token_hash=row["token_hash"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
        revoked_at=row["revoked_at"],
    )


def _rows_changed(status: str) -> int:
    """The row count of a command's status ("DELETE 3")."""
    return int(status.rsplit(" ", 1)[-1])


class SqlAccountRepository:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def add(self, account: Account) -> None:
        inserted = await self._connection.fetchval(
            ADD_ACCOUNT.sql,
            *ADD_ACCOUNT.args(
                id=account.id,
                email=account.email,
                password_hash=account.password_hash,
                role=account.role.value,
                is_active=account.is_active,
                token_version=account.token_version,
                created_at=account.created_at,
                updated_at=account.updated_at,
            ),
        )
        if inserted is None:
            raise EmailAlreadyRegistered

    async def get(self, account_id: uuid.UUID, *, for_update: bool = False) -> Account | None:
        statement = ACCOUNT_BY_ID_LOCKED if for_update else ACCOUNT_BY_ID
        row = await self._connection.fetchrow(statement.sql, *statement.args(id=account_id))
        return account_from_row(row) if row else None

    async def get_by_email(self, email: str) -> Account | None:
        row = await self._connection.fetchrow(ACCOUNT_BY_EMAIL.sql, *ACCOUNT_BY_EMAIL.args(email=email))
        return account_from_row(row) if row else None

    async def save(self, account: Account) -> None:
        await self._connection.execute(
            SAVE_ACCOUNT.sql,
            *SAVE_ACCOUNT.args(
                id=account.id,
                password_hash=account.password_hash,
                role=account.role.value,
                is_active=account.is_active,
                token_version=account.token_version,
                updated_at=account.updated_at,
            ),
        )

    async def lock_active_admins(self) -> list[uuid.UUID]:
        rows = await self._connection.fetch(
            LOCK_ACTIVE_ADMINS.sql, *LOCK_ACTIVE_ADMINS.args(role=Role.ADMIN.value)
        )
        return [row["id"] for row in rows]

    async def search(
        self, *, role: Role | None, email_contains: str | None, limit: int, offset: int
    ) -> AccountPage:
        params = Parameters()
        conditions = []
        if role is not None:
            conditions.append(f"role = {params.add(role.value)}")
        if email_contains:
            # Emails are stored lowercased; the pattern's own % and _ match only themselves.
            conditions.append(f"email LIKE {params.add(like_containing(email_contains.lower()))}")
        where = " AND ".join(conditions) or "true"
        count = f"SELECT count(*) FROM accounts WHERE {where}"  # noqa: S608 (placeholders only)
        total = await self._connection.fetchval(count, *params)
        page = f"""{SELECT_ACCOUNTS}
            WHERE {where}
            ORDER BY created_at, id
            LIMIT {params.add(limit)} OFFSET {params.add(offset)}
        """
        rows = await self._connection.fetch(page, *params)
        return AccountPage(items=[account_from_row(row) for row in rows], total=int(total or 0))


class SqlRefreshTokenRepository:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection

    async def add(self, token: RefreshToken) -> None:
        await self._connection.execute(
            ADD_REFRESH_TOKEN.sql,
            *ADD_REFRESH_TOKEN.args(
                id=token.id,
                account_id=token.account_id,
                family_id=token.family_id,
                token_hash=token.token_hash,
                created_at=token.created_at,
                expires_at=token.expires_at,
                used_at=token.used_at,
                revoked_at=token.revoked_at,
            ),
        )

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        row = await self._connection.fetchrow(
            REFRESH_TOKEN_BY_HASH_LOCKED.sql, *REFRESH_TOKEN_BY_HASH_LOCKED.args(token_hash=token_hash)
        )
        return _refresh_token(row) if row else None

    async def mark_used(self, token_id: uuid.UUID, when: datetime) -> None:
        await self._connection.execute(MARK_USED.sql, *MARK_USED.args(id=token_id, when=when))

    async def revoke_family(self, family_id: uuid.UUID, when: datetime) -> None:
        await self._connection.execute(REVOKE_FAMILY.sql, *REVOKE_FAMILY.args(family_id=family_id, when=when))

    async def revoke_all_for_account(self, account_id: uuid.UUID, when: datetime) -> None:
        await self._connection.execute(
            REVOKE_ALL_FOR_ACCOUNT.sql, *REVOKE_ALL_FOR_ACCOUNT.args(account_id=account_id, when=when)
        )

    async def purge_expired(self, *, expired_before: datetime, now: datetime) -> int:
        status = await self._connection.execute(
            PURGE_EXPIRED_TOKENS.sql, *PURGE_EXPIRED_TOKENS.args(expired_before=expired_before, now=now)
        )
        return _rows_changed(status)


class SqlEventOutbox:
    """Events join the unit of work's transaction (shared.outbox), leased for the relay to send
    right after the commit when it runs in this process; `added` holds those for the unit of work
    to hand over."""

    def __init__(self, connection: asyncpg.Connection, relay: Dispatcher) -> None:
        self._connection = connection
        self._relay = relay
        self.added: list[OutboxEvent] = []

    async def add(self, topic: str, payload: dict[str, object]) -> None:
        dispatched = self._relay.dispatches
        event = await add_event_on_connection(
            self._connection, OUTBOX, topic, dict(payload), dispatched=dispatched
        )
        if dispatched:
            self.added.append(event)
