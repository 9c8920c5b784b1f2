"""The domain's repositories on PostgreSQL, straight on the unit of work's asyncpg connection
(adapters/unit_of_work.py). They never commit: the use case does, through the unit of work.

Every statement is one SQLAlchemy Core builds from adapters/db.py's tables (the migrations use
them too): those run on every sign-in, refresh and admin change are compiled once, here at import
(shared.db.AsyncpgStatement); the account search, whose filters vary, is compiled per call
(shared.db.bound)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert

from adapters.db import accounts, outbox, refresh_tokens
from domain.errors import EmailAlreadyRegistered
from domain.models import Account, AccountPage, RefreshToken, Role
from shared.db import AsyncpgStatement, bound
from shared.outbox import add_event_on_connection

# ON CONFLICT DO NOTHING rather than catching the unique violation: a failed INSERT would abort
# the whole transaction; this way the caller's transaction stays usable.
ADD_ACCOUNT = AsyncpgStatement(
    insert(accounts)
    .values({c.name: bindparam(c.name) for c in accounts.c})
    .on_conflict_do_nothing(index_elements=[accounts.c.email])
    .returning(accounts.c.id)
)
_ACCOUNT_BY_ID = select(accounts).where(accounts.c.id == bindparam("id"))
ACCOUNT_BY_ID = AsyncpgStatement(_ACCOUNT_BY_ID)
ACCOUNT_BY_ID_LOCKED = AsyncpgStatement(_ACCOUNT_BY_ID.with_for_update())
ACCOUNT_BY_EMAIL = AsyncpgStatement(select(accounts).where(accounts.c.email == bindparam("email")))
SAVE_ACCOUNT = AsyncpgStatement(
    update(accounts)
    .where(accounts.c.id == bindparam("key_id"))
    .values(
        {
            name: bindparam(name)
            for name in ("password_hash", "role", "is_active", "token_version", "updated_at")
        }
    )
)
LOCK_ACTIVE_ADMINS = AsyncpgStatement(
    select(accounts.c.id)
    .where(accounts.c.role == Role.ADMIN.value, accounts.c.is_active.is_(True))
    .order_by(accounts.c.id)  # one lock order for every transaction
    .with_for_update()
)

ADD_REFRESH_TOKEN = AsyncpgStatement(
    refresh_tokens.insert().values({c.name: bindparam(c.name) for c in refresh_tokens.c})
)
REFRESH_TOKEN_BY_HASH_LOCKED = AsyncpgStatement(
    select(refresh_tokens).where(refresh_tokens.c.token_hash == bindparam("token_hash")).with_for_update()
)
MARK_USED = AsyncpgStatement(
    update(refresh_tokens).where(refresh_tokens.c.id == bindparam("key_id")).values(used_at=bindparam("when"))
)
REVOKE_FAMILY = AsyncpgStatement(
    update(refresh_tokens)
    .where(refresh_tokens.c.family_id == bindparam("family_id"), refresh_tokens.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("when"))
)
REVOKE_ALL_FOR_ACCOUNT = AsyncpgStatement(
    update(refresh_tokens)
    .where(refresh_tokens.c.account_id == bindparam("account_id"), refresh_tokens.c.revoked_at.is_(None))
    .values(revoked_at=bindparam("when"))
)


def _purge_expired_tokens() -> AsyncpgStatement:
    # A family with one live token keeps its old ones: a spent token coming back must still be
    # recognised as reuse and revoke that live token.
    newer = refresh_tokens.alias("newer")
    live_in_family = (
        select(newer.c.id)
        .where(newer.c.family_id == refresh_tokens.c.family_id, newer.c.expires_at >= bindparam("now"))
        .exists()
    )
    return AsyncpgStatement(
        delete(refresh_tokens).where(
            refresh_tokens.c.expires_at < bindparam("expired_before"), ~live_in_family
        )
    )


PURGE_EXPIRED_TOKENS = _purge_expired_tokens()


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
        row = await self._connection.fetchrow(statement.sql, account_id)
        return account_from_row(row) if row else None

    async def get_by_email(self, email: str) -> Account | None:
        row = await self._connection.fetchrow(ACCOUNT_BY_EMAIL.sql, email)
        return account_from_row(row) if row else None

    async def save(self, account: Account) -> None:
        await self._connection.execute(
            SAVE_ACCOUNT.sql,
            *SAVE_ACCOUNT.args(
                key_id=account.id,
                password_hash=account.password_hash,
                role=account.role.value,
                is_active=account.is_active,
                token_version=account.token_version,
                updated_at=account.updated_at,
            ),
        )

    async def lock_active_admins(self) -> list[uuid.UUID]:
        rows = await self._connection.fetch(LOCK_ACTIVE_ADMINS.sql, *LOCK_ACTIVE_ADMINS.args())
        return [row["id"] for row in rows]

    async def search(
        self, *, role: Role | None, email_contains: str | None, limit: int, offset: int
    ) -> AccountPage:
        conditions = []
        if role is not None:
            conditions.append(accounts.c.role == role.value)
        if email_contains:
            # Emails are stored lowercased; autoescape keeps % and _ literal.
            conditions.append(accounts.c.email.contains(email_contains.lower(), autoescape=True))
        total = await self._connection.fetchval(
            *bound(select(func.count()).select_from(accounts).where(*conditions))
        )
        rows = await self._connection.fetch(
            *bound(
                select(accounts)
                .where(*conditions)
                .order_by(accounts.c.created_at, accounts.c.id)
                .limit(limit)
                .offset(offset)
            )
        )
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
        row = await self._connection.fetchrow(REFRESH_TOKEN_BY_HASH_LOCKED.sql, token_hash)
        return _refresh_token(row) if row else None

    async def mark_used(self, token_id: uuid.UUID, when: datetime) -> None:
        await self._connection.execute(MARK_USED.sql, *MARK_USED.args(key_id=token_id, when=when))

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
    """Events join the unit of work's transaction (shared.outbox); `added` tells the unit of
    work to wake the relay once they are committed."""

    def __init__(self, connection: asyncpg.Connection) -> None:
        self._connection = connection
        self.added = 0

    async def add(self, topic: str, payload: dict[str, object]) -> None:
        await add_event_on_connection(self._connection, outbox, topic, dict(payload))
        self.added += 1
