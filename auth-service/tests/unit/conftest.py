from __future__ import annotations

from datetime import timedelta

import pytest

from domain.administration import AccountAdministration
from domain.models import Account, Actor, Role
from domain.registration import Registration
from domain.sessions import Sessions
from tests.fakes import (
    FakeAccounts,
    FakeClock,
    FakeHasher,
    FakeIssuer,
    FakeThrottle,
    FakeUnitOfWork,
    Store,
)

REFRESH_TTL = timedelta(days=30)


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def hasher() -> FakeHasher:
    return FakeHasher()


@pytest.fixture
def throttle() -> FakeThrottle:
    return FakeThrottle(max_failures=3)


@pytest.fixture
def registration(store: Store, hasher: FakeHasher, clock: FakeClock) -> Registration:
    return Registration(lambda: FakeUnitOfWork(store), hasher, clock)


@pytest.fixture
def sessions(store: Store, hasher: FakeHasher, throttle: FakeThrottle, clock: FakeClock) -> Sessions:
    return Sessions(lambda: FakeUnitOfWork(store), hasher, FakeIssuer(), throttle, clock, REFRESH_TTL)


@pytest.fixture
def administration(store: Store, clock: FakeClock) -> AccountAdministration:
    return AccountAdministration(lambda: FakeUnitOfWork(store), clock, FakeAccounts(store))


def actor(account: Account) -> Actor:
    return Actor(account.id, account.role)


def by_email(store: Store, email: str) -> Account:
    return next(a for a in store.accounts.values() if a.email == email)


@pytest.fixture
async def admin(registration: Registration, store: Store) -> Account:
    await registration.ensure_bootstrap_admin("root@tiketq.id", "root-password")
    account = by_email(store, "root@tiketq.id")
    assert account.role is Role.ADMIN
    return account
