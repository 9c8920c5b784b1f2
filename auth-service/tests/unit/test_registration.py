from __future__ import annotations

import pytest

from domain.errors import AdminRoleRequired, EmailAlreadyRegistered, PasswordPolicyViolation
from domain.models import Account, Role
from domain.registration import BootstrapOutcome, Registration
from tests.fakes import Store
from tests.unit.conftest import actor, by_email


async def test_anyone_registers_a_user_account_with_a_lowercased_email(
    registration: Registration, store: Store
) -> None:
    account = await registration.register(" Budi@Example.COM ", "rahasia-123", None, None)

    assert account.email == "budi@example.com"
    assert account.role is Role.USER
    assert account.is_active
    assert account.token_version == 0
    assert account.password_hash == "hashed:rahasia-123"
    assert store.accounts[account.id].email == "budi@example.com"


async def test_registration_writes_the_account_registered_event_in_the_same_commit(
    registration: Registration, store: Store
) -> None:
    account = await registration.register("siti@example.com", "rahasia-123", None, None)

    assert store.events == [
        (
            "account.registered",
            {
                "account_id": str(account.id),
                "email": "siti@example.com",
                "role": "user",
                "registered_at": account.created_at.isoformat(),
            },
        )
    ]
    assert store.commits == 1


async def test_an_email_registers_once_whatever_its_case(registration: Registration, store: Store) -> None:
    await registration.register("andi@example.com", "rahasia-123", None, None)

    with pytest.raises(EmailAlreadyRegistered):
        await registration.register("ANDI@example.com", "another-password", None, None)
    assert len(store.accounts) == 1
    assert len(store.events) == 1


@pytest.mark.parametrize("password", ["short", "x" * 129])
async def test_passwords_outside_8_to_128_characters_are_refused(
    registration: Registration, store: Store, password: str
) -> None:
    with pytest.raises(PasswordPolicyViolation):
        await registration.register("dewi@example.com", password, None, None)
    assert store.accounts == {}


async def test_anonymous_caller_cannot_register_an_admin(registration: Registration, store: Store) -> None:
    with pytest.raises(AdminRoleRequired):
        await registration.register("eve@example.com", "rahasia-123", Role.ADMIN, None)
    assert store.accounts == {}
    assert store.events == []


async def test_a_user_cannot_register_an_admin(registration: Registration, store: Store) -> None:
    user = await registration.register("user@example.com", "rahasia-123", None, None)

    with pytest.raises(AdminRoleRequired):
        await registration.register("eve@example.com", "rahasia-123", Role.ADMIN, actor(user))
    assert len(store.accounts) == 1


async def test_an_admin_registers_another_admin(registration: Registration, admin: Account) -> None:
    created = await registration.register("ops@tiketq.id", "rahasia-123", Role.ADMIN, actor(admin))

    assert created.role is Role.ADMIN


async def test_a_user_may_register_someone_else_as_a_user(registration: Registration) -> None:
    user = await registration.register("user@example.com", "rahasia-123", None, None)

    created = await registration.register("friend@example.com", "rahasia-123", Role.USER, actor(user))

    assert created.role is Role.USER


async def test_bootstrap_admin_is_created_once_with_its_event(
    registration: Registration, store: Store
) -> None:
    first = await registration.ensure_bootstrap_admin("Root@TiketQ.id", "root-password")
    second = await registration.ensure_bootstrap_admin("root@tiketq.id", "root-password")

    assert (first, second) == (BootstrapOutcome.CREATED, BootstrapOutcome.ALREADY_ADMIN)
    assert by_email(store, "root@tiketq.id").role is Role.ADMIN
    assert [topic for topic, _ in store.events] == ["account.registered"]
    assert store.events[0][1]["role"] == "admin"


async def test_bootstrap_leaves_an_existing_non_admin_account_alone(
    registration: Registration, store: Store
) -> None:
    existing = await registration.register("root@tiketq.id", "user-password", None, None)

    outcome = await registration.ensure_bootstrap_admin("root@tiketq.id", "root-password")

    assert outcome is BootstrapOutcome.EXISTS_WITHOUT_ADMIN_ROLE
    assert store.accounts[existing.id].role is Role.USER
    assert store.accounts[existing.id].password_hash == "hashed:user-password"
