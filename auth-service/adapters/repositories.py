"""The domain's repositories on PostgreSQL (SQLAlchemy Core). They never commit: the use case
does, through the unit of work (adapters/unit_of_work.py)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from adapters.db import accounts, outbox, refresh_tokens
from domain.errors import EmailAlreadyRegistered
from domain.models import Account, AccountPage, RefreshToken, Role
from shared.outbox import add_event


def account_from_row(row: Any) -> Account:
    return Account(
        id=row.id,
        email=row.email,
        password_hash=row.password_hash,
        role=Role(row.role),
        is_active=row.is_active,
        token_version=row.token_version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _refresh_token(row: Any) -> RefreshToken:
    return RefreshToken(
        id=row.id,
        account_id=row.account_id,
        family_id=row.family_id,
        token_hash=row.token_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        used_at=row.used_at,
        revoked_at=row.revoked_at,
    )


class SqlAccountRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, account: Account) -> None:
        # ON CONFLICT DO NOTHING rather than catching IntegrityError: a failed INSERT would
        # abort the whole transaction; this way the caller's transaction stays usable.
        inserted = await self._session.execute(
            insert(accounts)
            .values(
                id=account.id,
                email=account.email,
                password_hash=account.password_hash,
                role=account.role.value,
                is_active=account.is_active,
                token_version=account.token_version,
                created_at=account.created_at,
                updated_at=account.updated_at,
            )
            .on_conflict_do_nothing(index_elements=[accounts.c.email])
            .returning(accounts.c.id)
        )
        if inserted.first() is None:
            raise EmailAlreadyRegistered

    async def get(self, account_id: uuid.UUID, *, for_update: bool = False) -> Account | None:
        query = select(accounts).where(accounts.c.id == account_id)
        if for_update:
            query = query.with_for_update()
        row = (await self._session.execute(query)).first()
        return account_from_row(row) if row else None

    async def get_by_email(self, email: str) -> Account | None:
        row = (await self._session.execute(select(accounts).where(accounts.c.email == email))).first()
        return account_from_row(row) if row else None

    async def save(self, account: Account) -> None:
        await self._session.execute(
            update(accounts)
            .where(accounts.c.id == account.id)
            .values(
                password_hash=account.password_hash,
                role=account.role.value,
                is_active=account.is_active,
                token_version=account.token_version,
                updated_at=account.updated_at,
            )
        )

    async def lock_active_admins(self) -> list[uuid.UUID]:
        rows = await self._session.execute(
            select(accounts.c.id)
            .where(accounts.c.role == Role.ADMIN.value, accounts.c.is_active.is_(True))
            .order_by(accounts.c.id)  # one lock order for every transaction
            .with_for_update()
        )
        return list(rows.scalars())

    async def search(
        self, *, role: Role | None, email_contains: str | None, limit: int, offset: int
    ) -> AccountPage:
        conditions = []
        if role is not None:
            conditions.append(accounts.c.role == role.value)
        if email_contains:
            # Emails are stored lowercased; autoescape keeps % and _ literal.
            conditions.append(accounts.c.email.contains(email_contains.lower(), autoescape=True))
        total = await self._session.scalar(select(func.count()).select_from(accounts).where(*conditions))
        rows = await self._session.execute(
            select(accounts)
            .where(*conditions)
            .order_by(accounts.c.created_at, accounts.c.id)
            .limit(limit)
            .offset(offset)
        )
        return AccountPage(items=[account_from_row(row) for row in rows], total=int(total or 0))


class SqlRefreshTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, token: RefreshToken) -> None:
        await self._session.execute(
            refresh_tokens.insert().values(
                id=token.id,
                account_id=token.account_id,
                family_id=token.family_id,
                token_hash=token.token_hash,
                created_at=token.created_at,
                expires_at=token.expires_at,
                used_at=token.used_at,
                revoked_at=token.revoked_at,
            )
        )

    async def get_by_hash(self, token_hash: str) -> RefreshToken | None:
        row = (
            await self._session.execute(
                select(refresh_tokens).where(refresh_tokens.c.token_hash == token_hash).with_for_update()
            )
        ).first()
        return _refresh_token(row) if row else None

    async def mark_used(self, token_id: uuid.UUID, when: datetime) -> None:
        await self._session.execute(
            update(refresh_tokens).where(refresh_tokens.c.id == token_id).values(used_at=when)
        )

    async def revoke_family(self, family_id: uuid.UUID, when: datetime) -> None:
        await self._session.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.family_id == family_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=when)
        )

    async def revoke_all_for_account(self, account_id: uuid.UUID, when: datetime) -> None:
        await self._session.execute(
            update(refresh_tokens)
            .where(refresh_tokens.c.account_id == account_id, refresh_tokens.c.revoked_at.is_(None))
            .values(revoked_at=when)
        )

    async def purge_expired(self, *, expired_before: datetime, now: datetime) -> int:
        # A family with one live token keeps its old ones: a spent token coming back must still
        # be recognised as reuse and revoke that live token.
        newer = refresh_tokens.alias("newer")
        live_in_family = (
            select(newer.c.id)
            .where(newer.c.family_id == refresh_tokens.c.family_id, newer.c.expires_at >= now)
            .exists()
        )
        result = await self._session.execute(
            delete(refresh_tokens).where(refresh_tokens.c.expires_at < expired_before, ~live_in_family)
        )
        return int(cast(CursorResult[Any], result).rowcount)


class SqlEventOutbox:
    """Events join the unit of work's transaction (shared.outbox); `added` tells the unit of
    work to wake the relay once they are committed."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self.added = 0

    async def add(self, topic: str, payload: dict[str, object]) -> None:
        await add_event(self._session, outbox, topic, dict(payload))
        self.added += 1
