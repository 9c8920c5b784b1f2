"""What admins do to accounts (and what other services ask for through /internal): look them
up, change roles, deactivate and reactivate. Role checks happen at the edge (AdminPrincipal);
the rules here hold whoever asks."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from domain.errors import AccountNotFound
from domain.models import Account, AccountPage, Role, ensure_admin_remains, normalize_email
from domain.repository import AccountReader, Clock, UnitOfWork, UnitOfWorkFactory


class AccountAdministration:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, reader: AccountReader) -> None:
        self._uow = uow
        self._clock = clock
        self._reader = reader

    async def find(self, account_id: uuid.UUID) -> Account | None:
        """One read, no transaction: who is signed in, what other services check tokens against."""
        return await self._reader.get(account_id)

    async def find_many(self, account_ids: Sequence[uuid.UUID]) -> list[Account]:
        """One read, no transaction: the accounts other services keep checking tokens against,
        several at once (unknown ids are left out)."""
        return await self._reader.get_many(account_ids)

    async def get(self, account_id: uuid.UUID) -> Account:
        account = await self._reader.get(account_id)
        if account is None:
            raise AccountNotFound
        return account

    async def search(
        self, *, role: Role | None, email_contains: str | None, limit: int, offset: int
    ) -> AccountPage:
        fragment = normalize_email(email_contains) if email_contains else None
        async with self._uow() as uow:
            return await uow.accounts.search(
                role=role, email_contains=fragment or None, limit=limit, offset=offset
            )

    async def change_role(self, account_id: uuid.UUID, role: Role) -> Account:
        async with self._uow() as uow:
            account, active_admins = await self._lock_for_admin_change(uow, account_id)
            if role is not Role.ADMIN:
                ensure_admin_remains(account, active_admins)
            if account.change_role(role, self._clock.now()):
                await uow.accounts.save(account)
                await uow.commit()
        return account

    async def deactivate(self, account_id: uuid.UUID) -> Account:
        """Idempotent. Ends every session of the account (token version bump, refresh tokens)."""
        async with self._uow() as uow:
            account, active_admins = await self._lock_for_admin_change(uow, account_id)
            ensure_admin_remains(account, active_admins)
            now = self._clock.now()
            if account.deactivate(now):
                await uow.accounts.save(account)
                await uow.refresh_tokens.revoke_all_for_account(account.id, now)
                await uow.commit()
        return account

    async def activate(self, account_id: uuid.UUID) -> Account:
        """Idempotent. Old tokens stay dead: their version was bumped when it was deactivated."""
        async with self._uow() as uow:
            account = await uow.accounts.get(account_id, for_update=True)
            if account is None:
                raise AccountNotFound
            if account.activate(self._clock.now()):
                await uow.accounts.save(account)
                await uow.commit()
        return account

    @staticmethod
    async def _lock_for_admin_change(
        uow: UnitOfWork, account_id: uuid.UUID
    ) -> tuple[Account, list[uuid.UUID]]:
        # Lock order, always: the active admins first, then the account. Two admins changing
        # each other at once then wait for one another instead of deadlocking, and the second
        # sees the first one's result when it counts the admins that remain.
        active_admins = await uow.accounts.lock_active_admins()
        account = await uow.accounts.get(account_id, for_update=True)
        if account is None:
            raise AccountNotFound
        return account, active_admins
