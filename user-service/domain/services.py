"""Profile use cases. Each opens its own unit of work and commits there, nowhere else."""

from __future__ import annotations

from uuid import UUID

from domain.errors import (
    AccountInactive,
    AccountNotFound,
    AdminOnly,
    CannotDeleteOwnAccount,
    ProfileAlreadyExists,
    ProfileNotFound,
)
from domain.models import Actor, MessagePreferences, Profile, ProfileChanges, ProfilePage
from domain.repository import AccountDirectory, Clock, MessagePreferencesReader, UnitOfWorkFactory


class ProfileService:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        accounts: AccountDirectory,
        clock: Clock,
        preferences: MessagePreferencesReader | None = None,
    ) -> None:
        self._uow = uow
        self._accounts = accounts
        self._clock = clock
        self._preferences = preferences

    async def create_for_account(self, actor: Actor, user_id: UUID, details: ProfileChanges) -> Profile:
        """An admin creates the profile of an existing account (normally the account.registered
        event does it); the email is the one auth-service holds."""
        _require_admin(actor)
        account = await self._accounts.get(user_id)
        if account is None:
            raise AccountNotFound()
        if not account.is_active:
            raise AccountInactive()
        profile = Profile.register(user_id, account.email, self._clock(), details)
        async with self._uow() as uow:
            if not await uow.profiles.add(profile):
                raise ProfileAlreadyExists()
            await uow.commit()
        return profile

    async def get(self, actor: Actor, user_id: UUID) -> Profile:
        if not actor.may_see(user_id):
            # Someone else's profile looks exactly like a missing one, so ids cannot be probed.
            raise ProfileNotFound()
        async with self._uow() as uow:
            profile = await uow.profiles.get(user_id)
        if profile is None:
            raise ProfileNotFound()
        return profile

    async def message_preferences(self, user_id: UUID) -> MessagePreferences:
        """For notification-service (service to service, no person behind it): whose profile
        says how to write to them."""
        if self._preferences is not None:
            found = await self._preferences.read(user_id)
        else:
            async with self._uow() as uow:
                profile = await uow.profiles.get(user_id)
            found = None if profile is None else profile.message_preferences()
        if found is None:
            raise ProfileNotFound()
        return found

    async def update(self, actor: Actor, user_id: UUID, changes: ProfileChanges) -> Profile:
        if not actor.may_see(user_id):
            raise ProfileNotFound()
        async with self._uow() as uow:
            # Locked, so two concurrent partial updates cannot undo each other.
            profile = await uow.profiles.get(user_id, for_update=True)
            if profile is None:
                raise ProfileNotFound()
            if profile.update(changes, self._clock()):
                await uow.profiles.save(profile)
                await uow.commit()
        return profile

    async def delete(self, actor: Actor, user_id: UUID) -> None:
        """Deactivates the account first, so its tokens stop working, then deletes the profile.

        If auth-service cannot be reached the adapter raises and nothing is deleted. An account
        without a profile is still deactivated (the admin's intent, "this user is gone", holds),
        and a profile whose account auth-service no longer knows is still deleted; only when
        neither exists is it "not found". Repeating the call is harmless.
        """
        _require_admin(actor)
        if actor.account_id == user_id:
            raise CannotDeleteOwnAccount()
        account = await self._accounts.deactivate(user_id)
        async with self._uow() as uow:
            deleted = await uow.profiles.delete(user_id)
            await uow.commit()
        if account is None and not deleted:
            raise ProfileNotFound("no account or profile with this id")

    async def list_profiles(self, actor: Actor, query: str | None, *, limit: int, offset: int) -> ProfilePage:
        _require_admin(actor)
        query = (query or "").strip() or None
        async with self._uow() as uow:
            items, total = await uow.profiles.search(query, limit=limit, offset=offset)
        return ProfilePage(items=items, total=total)


def _require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise AdminOnly()
