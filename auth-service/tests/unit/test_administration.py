from __future__ import annotations

import uuid

import pytest

from domain.administration import AccountAdministration
from domain.errors import AccountNotFound, InvalidRefreshToken, LastAdmin
from domain.models import Account, Role
from domain.registration import Registration
from domain.sessions import Sessions
from tests.fakes import Store
from tests.unit.conftest import actor


async def test_promoting_and_demoting_bump_the_token_version(
    administration: AccountAdministration, registration: Registration, admin: Account
) -> None:
    user = await registration.register("budi@example.com", "rahasia-123", None, None)

    promoted = await administration.change_role(user.id, Role.ADMIN)
    demoted = await administration.change_role(user.id, Role.USER)

    assert (promoted.role, promoted.token_version) == (Role.ADMIN, 1)
    assert (demoted.role, demoted.token_version) == (Role.USER, 2)


async def test_setting_the_same_role_changes_nothing(
    administration: AccountAdministration, admin: Account, store: Store
) -> None:
    commits = store.commits

    same = await administration.change_role(admin.id, Role.ADMIN)

    assert same.token_version == 0
    assert store.commits == commits


async def test_the_last_active_admin_cannot_demote_themselves(
    administration: AccountAdministration, admin: Account, store: Store
) -> None:
    with pytest.raises(LastAdmin):
        await administration.change_role(admin.id, Role.USER)
    assert store.accounts[admin.id].role is Role.ADMIN


async def test_an_admin_may_step_down_when_another_active_admin_remains(
    administration: AccountAdministration, registration: Registration, admin: Account
) -> None:
    await registration.register("ops@tiketq.id", "rahasia-123", Role.ADMIN, actor(admin))

    stepped_down = await administration.change_role(admin.id, Role.USER)

    assert stepped_down.role is Role.USER


async def test_an_inactive_admin_does_not_count_as_the_one_who_remains(
    administration: AccountAdministration, registration: Registration, admin: Account
) -> None:
    other = await registration.register("ops@tiketq.id", "rahasia-123", Role.ADMIN, actor(admin))
    await administration.deactivate(other.id)

    with pytest.raises(LastAdmin):
        await administration.deactivate(admin.id)


async def test_deactivation_bumps_the_version_revokes_refresh_tokens_and_is_idempotent(
    administration: AccountAdministration, registration: Registration, sessions: Sessions, admin: Account
) -> None:
    user = await registration.register("budi@example.com", "rahasia-123", None, None)
    pair = await sessions.login("budi@example.com", "rahasia-123", None)

    first = await administration.deactivate(user.id)
    again = await administration.deactivate(user.id)

    assert not first.is_active
    assert first.token_version == 1
    assert again.token_version == 1
    with pytest.raises(InvalidRefreshToken):
        await sessions.refresh(pair.refresh_token)


async def test_reactivation_keeps_old_tokens_dead(
    administration: AccountAdministration, registration: Registration, admin: Account
) -> None:
    user = await registration.register("budi@example.com", "rahasia-123", None, None)
    await administration.deactivate(user.id)

    reactivated = await administration.activate(user.id)

    assert reactivated.is_active
    assert reactivated.token_version == 1


async def test_the_last_active_admin_cannot_be_deactivated(
    administration: AccountAdministration, admin: Account
) -> None:
    with pytest.raises(LastAdmin):
        await administration.deactivate(admin.id)


@pytest.mark.parametrize("operation", ["get", "deactivate", "activate", "change_role"])
async def test_unknown_accounts_are_not_found(administration: AccountAdministration, operation: str) -> None:
    missing = uuid.uuid4()
    args = (missing, Role.ADMIN) if operation == "change_role" else (missing,)
    with pytest.raises(AccountNotFound):
        await getattr(administration, operation)(*args)


async def test_search_filters_by_role_and_case_insensitive_email_fragment(
    administration: AccountAdministration, registration: Registration, admin: Account
) -> None:
    for name in ("budi", "siti", "budiman"):
        await registration.register(f"{name}@example.com", "rahasia-123", None, None)

    page = await administration.search(role=Role.USER, email_contains="BUDI", limit=10, offset=0)
    admins = await administration.search(role=Role.ADMIN, email_contains=None, limit=10, offset=0)
    second = await administration.search(role=None, email_contains=None, limit=2, offset=2)

    assert sorted(a.email for a in page.items) == ["budi@example.com", "budiman@example.com"]
    assert page.total == 2
    assert [a.id for a in admins.items] == [admin.id]
    assert second.total == 4
    assert len(second.items) == 2
