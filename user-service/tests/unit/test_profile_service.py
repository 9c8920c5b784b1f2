from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from domain.errors import (
    AccountCannotBeDeactivated,
    AccountInactive,
    AccountNotFound,
    AdminOnly,
    CannotDeleteOwnAccount,
    ProfileAlreadyExists,
    ProfileNotFound,
)
from domain.models import Actor, Profile, ProfileChanges
from domain.services import ProfileService
from tests.fakes import FakeAccountDirectory, FakeStore, FixedClock


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def accounts() -> FakeAccountDirectory:
    return FakeAccountDirectory()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def service(store: FakeStore, accounts: FakeAccountDirectory, clock: FixedClock) -> ProfileService:
    return ProfileService(store.unit_of_work, accounts, clock)


@pytest.fixture
def admin(accounts: FakeAccountDirectory) -> Actor:
    return Actor(accounts.add("admin").id, is_admin=True)


def given_profile(
    store: FakeStore, accounts: FakeAccountDirectory, clock: FixedClock, **details: object
) -> Profile:
    account = accounts.add()
    profile = Profile.register(account.id, account.email, clock(), ProfileChanges(**details))  # type: ignore[arg-type]
    store.profiles[account.id] = profile
    return profile


async def test_admin_creates_a_profile_with_the_email_auth_service_holds(
    service: ProfileService, store: FakeStore, accounts: FakeAccountDirectory, admin: Actor
) -> None:
    account = accounts.add(email="Budi@Example.com")
    profile = await service.create_for_account(admin, account.id, ProfileChanges(full_name="Budi Santoso"))
    assert profile.email == "budi@example.com"
    assert store.profiles[account.id].full_name == "Budi Santoso"


async def test_creating_a_profile_for_an_unknown_account_is_account_not_found(
    service: ProfileService, store: FakeStore, admin: Actor
) -> None:
    with pytest.raises(AccountNotFound):
        await service.create_for_account(admin, uuid4(), ProfileChanges())
    assert store.profiles == {}


async def test_a_deactivated_account_gets_no_new_profile(
    service: ProfileService, store: FakeStore, accounts: FakeAccountDirectory, admin: Actor
) -> None:
    account = accounts.add()
    await accounts.deactivate(account.id)
    with pytest.raises(AccountInactive):
        await service.create_for_account(admin, account.id, ProfileChanges(full_name="Ghost"))
    assert store.profiles == {}


async def test_an_account_gets_at_most_one_profile(
    service: ProfileService, store: FakeStore, accounts: FakeAccountDirectory, clock: FixedClock, admin: Actor
) -> None:
    existing = given_profile(store, accounts, clock, full_name="Siti")
    with pytest.raises(ProfileAlreadyExists):
        await service.create_for_account(admin, existing.user_id, ProfileChanges(full_name="Other"))
    assert store.profiles[existing.user_id].full_name == "Siti"


async def test_only_admins_create_profiles(service: ProfileService, accounts: FakeAccountDirectory) -> None:
    account = accounts.add()
    with pytest.raises(AdminOnly):
        await service.create_for_account(Actor(account.id, is_admin=False), account.id, ProfileChanges())


async def test_people_read_their_own_profile_and_someone_elses_looks_missing(
    service: ProfileService, store: FakeStore, accounts: FakeAccountDirectory, clock: FixedClock, admin: Actor
) -> None:
    mine = given_profile(store, accounts, clock)
    theirs = given_profile(store, accounts, clock)
    me = Actor(mine.user_id, is_admin=False)
    assert (await service.get(me, mine.user_id)).user_id == mine.user_id
    with pytest.raises(ProfileNotFound):
        await service.get(me, theirs.user_id)
    with pytest.raises(ProfileNotFound):
        await service.get(admin, uuid4())
    assert (await service.get(admin, theirs.user_id)).user_id == theirs.user_id


async def test_owner_updates_their_profile_and_the_change_is_committed(
    service: ProfileService, store: FakeStore, accounts: FakeAccountDirectory, clock: FixedClock
) -> None:
    mine = given_profile(store, accounts, clock)
    clock.advance(60)
    updated = await service.update(
        Actor(mine.user_id, is_admin=False), mine.user_id, ProfileChanges(phone="0812-3456-7890")
    )
    assert updated.phone == "+6281234567890"
    assert store.profiles[mine.user_id].phone == "+6281234567890"
    assert store.profiles[mine.user_id].updated_at == mine.created_at + timedelta(seconds=60)


async def test_updating_someone_elses_profile_looks_like_a_missing_one(
    service: ProfileService, store: FakeStore, accounts: FakeAccountDirectory, clock: FixedClock
) -> None:
    mine = given_profile(store, accounts, clock)
    theirs = given_profile(store, accounts, clock, full_name="Theirs")
    with pytest.raises(ProfileNotFound):
        await service.update(
            Actor(mine.user_id, is_admin=False), theirs.user_id, ProfileChanges(full_name="X")
        )
    assert store.profiles[theirs.user_id].full_name == "Theirs"


async def test_an_update_that_changes_nothing_commits_nothing(
    service: ProfileService, store: FakeStore, accounts: FakeAccountDirectory, clock: FixedClock
) -> None:
    mine = given_profile(store, accounts, clock, full_name="Siti")
    await service.update(Actor(mine.user_id, is_admin=False), mine.user_id, ProfileChanges(full_name="Siti"))
    assert store.commits == 0


async def test_delete_deactivates_the_account_then_deletes_the_profile(
    service: ProfileService, store: FakeStore, accounts: FakeAccountDirectory, clock: FixedClock, admin: Actor
) -> None:
    doomed = given_profile(store, accounts, clock)
    await service.delete(admin, doomed.user_id)
    assert accounts.deactivated == [doomed.user_id]
    assert not accounts.accounts[doomed.user_id].is_active
    assert doomed.user_id not in store.profiles


async def test_when_auth_service_is_unreachable_nothing_is_deleted(
    service: ProfileService, store: FakeStore, accounts: FakeAccountDirectory, clock: FixedClock, admin: Actor
) -> None:
    kept = given_profile(store, accounts, clock)
    accounts.unavailable = ConnectionError("auth-service is down")
    with pytest.raises(ConnectionError):
        await service.delete(admin, kept.user_id)
    assert kept.user_id in store.profiles


async def test_when_auth_service_refuses_to_deactivate_nothing_is_deleted(
    service: ProfileService, store: FakeStore, accounts: FakeAccountDirectory, clock: FixedClock, admin: Actor
) -> None:
    kept = given_profile(store, accounts, clock)
    accounts.refuse_deactivation.add(kept.user_id)
    with pytest.raises(AccountCannotBeDeactivated):
        await service.delete(admin, kept.user_id)
    assert kept.user_id in store.profiles


async def test_an_account_without_a_profile_is_still_deactivated(
    service: ProfileService, accounts: FakeAccountDirectory, admin: Actor
) -> None:
    account = accounts.add()
    await service.delete(admin, account.id)
    assert not accounts.accounts[account.id].is_active


async def test_a_profile_whose_account_is_gone_is_still_deleted(
    service: ProfileService, store: FakeStore, accounts: FakeAccountDirectory, clock: FixedClock, admin: Actor
) -> None:
    orphan = given_profile(store, accounts, clock)
    del accounts.accounts[orphan.user_id]
    await service.delete(admin, orphan.user_id)
    assert orphan.user_id not in store.profiles


async def test_deleting_an_id_nobody_has_is_not_found(service: ProfileService, admin: Actor) -> None:
    with pytest.raises(ProfileNotFound):
        await service.delete(admin, uuid4())


async def test_admins_cannot_delete_themselves(
    service: ProfileService, accounts: FakeAccountDirectory, admin: Actor
) -> None:
    with pytest.raises(CannotDeleteOwnAccount):
        await service.delete(admin, admin.account_id)
    assert accounts.accounts[admin.account_id].is_active


async def test_only_admins_delete(
    service: ProfileService, store: FakeStore, accounts: FakeAccountDirectory, clock: FixedClock
) -> None:
    mine = given_profile(store, accounts, clock)
    with pytest.raises(AdminOnly):
        await service.delete(Actor(mine.user_id, is_admin=False), mine.user_id)
    assert accounts.deactivated == []


async def test_listing_is_newest_first_and_searches_name_or_email(
    service: ProfileService, store: FakeStore, accounts: FakeAccountDirectory, clock: FixedClock, admin: Actor
) -> None:
    first = given_profile(store, accounts, clock, full_name="Siti Rahayu")
    clock.advance(1)
    second = given_profile(store, accounts, clock, full_name="Budi Santoso")
    page = await service.list_profiles(admin, None, limit=10, offset=0)
    assert [p.user_id for p in page.items] == [second.user_id, first.user_id]
    assert page.total == 2
    assert [
        p.user_id for p in (await service.list_profiles(admin, " rahayu ", limit=10, offset=0)).items
    ] == [first.user_id]
    by_email = await service.list_profiles(admin, second.email[:8].upper(), limit=10, offset=0)
    assert [p.user_id for p in by_email.items] == [second.user_id]


async def test_only_admins_list(service: ProfileService) -> None:
    with pytest.raises(AdminOnly):
        await service.list_profiles(Actor(uuid4(), is_admin=False), None, limit=10, offset=0)
