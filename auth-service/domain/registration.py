"""Registering accounts: by anyone for themselves, by admins for other admins, and the first
admin from configuration at start-up."""

from __future__ import annotations

from enum import StrEnum

from domain.errors import AdminRoleRequired, EmailAlreadyRegistered
from domain.models import ACCOUNT_REGISTERED, Account, Actor, Role, check_password_policy, normalize_email
from domain.repository import Clock, PasswordHasher, UnitOfWorkFactory


class BootstrapOutcome(StrEnum):
    CREATED = "created"
    ALREADY_ADMIN = "already-admin"
    EXISTS_WITHOUT_ADMIN_ROLE = "exists-without-admin-role"


class Registration:
    def __init__(self, uow: UnitOfWorkFactory, hasher: PasswordHasher, clock: Clock) -> None:
        self._uow = uow
        self._hasher = hasher
        self._clock = clock

    async def register(self, email: str, password: str, role: Role | None, actor: Actor | None) -> Account:
        """Nobody makes themselves admin: the admin role needs an admin's token (the first admin
        comes from configuration at start-up)."""
        role = role or Role.USER
        if role is Role.ADMIN and (actor is None or not actor.is_admin):
            raise AdminRoleRequired("create an admin account")
        return await self._create(email, password, role)

    async def ensure_bootstrap_admin(self, email: str, password: str) -> BootstrapOutcome:
        """Creates the configured first admin once. An existing account with that email is left
        as it is, even without the admin role: configuration never silently promotes anyone.
        Several processes may start at once; the unique email decides which one creates it."""
        email = normalize_email(email)
        async with self._uow() as uow:
            existing = await uow.accounts.get_by_email(email)
        if existing is None:
            try:
                await self._create(email, password, Role.ADMIN)
            except EmailAlreadyRegistered:
                pass  # another process won the race
            else:
                return BootstrapOutcome.CREATED
            async with self._uow() as uow:
                existing = await uow.accounts.get_by_email(email)
        if existing is not None and existing.role is not Role.ADMIN:
            return BootstrapOutcome.EXISTS_WITHOUT_ADMIN_ROLE
        return BootstrapOutcome.ALREADY_ADMIN

    async def _create(self, email: str, password: str, role: Role) -> Account:
        check_password_policy(password)
        email = normalize_email(email)
        async with self._uow() as uow:
            # Cheap early answer for the common duplicate; the unique index still decides races.
            if await uow.accounts.get_by_email(email) is not None:
                raise EmailAlreadyRegistered
        # Hash outside any transaction: it is slow, and must not hold a database connection.
        password_hash = await self._hasher.hash(password)
        account = Account.register(email, password_hash, role, self._clock.now())
        async with self._uow() as uow:
            await uow.accounts.add(account)
            # Same transaction as the account: the profile event exists exactly when the account does.
            await uow.events.add(ACCOUNT_REGISTERED, account.registered_event())
            await uow.commit()
        return account
