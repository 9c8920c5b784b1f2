"""A role change, a deletion or a logout cuts off old tokens within 5 seconds, through the
gateway and directly at a service (docs/architecture.md, identity and RBAC)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from devstack.stack import Stack
from tests.support import REVOCATION_BOUND_SECONDS, Account, login, seconds_until_refused, wait_for_profile


def test_role_change_revokes_old_tokens_everywhere(
    stack: Stack, gateway: httpx.Client, new_account: Callable[[], Account], admin: Account
) -> None:
    user = new_account()
    wait_for_profile(gateway, user)
    promoted = gateway.put(f"/auth/users/{user.id}/role", json={"role": "admin"}, headers=admin.headers)
    assert promoted.status_code == 200
    with httpx.Client(base_url=stack.url("user"), timeout=10) as direct:
        assert seconds_until_refused(direct, f"/users/{user.id}", user.headers) <= REVOCATION_BOUND_SECONDS
    assert seconds_until_refused(gateway, "/auth/me", user.headers) <= REVOCATION_BOUND_SECONDS
    # A fresh login carries the new role.
    fresh = login(gateway, user.email, user.password).json()["access_token"]
    me = gateway.get("/auth/me", headers={"Authorization": f"Bearer {fresh}"})
    assert me.json()["role"] == "admin"


def test_deleting_a_user_deactivates_the_account_and_its_tokens(
    stack: Stack, gateway: httpx.Client, new_account: Callable[[], Account], admin: Account
) -> None:
    user = new_account()
    wait_for_profile(gateway, user)
    assert gateway.delete(f"/users/{user.id}", headers=admin.headers).status_code == 204
    assert seconds_until_refused(gateway, "/auth/me", user.headers) <= REVOCATION_BOUND_SECONDS
    with httpx.Client(base_url=stack.url("user"), timeout=10) as direct:
        assert seconds_until_refused(direct, f"/users/{user.id}", user.headers) <= REVOCATION_BOUND_SECONDS
    assert login(gateway, user.email, user.password).status_code == 401
    assert gateway.get(f"/users/{user.id}", headers=admin.headers).status_code == 404


def test_logout_revokes_access_and_refresh_tokens(
    gateway: httpx.Client, new_account: Callable[[], Account]
) -> None:
    user = new_account()
    assert gateway.post("/auth/logout", headers=user.headers).status_code == 204
    assert seconds_until_refused(gateway, "/auth/me", user.headers) <= REVOCATION_BOUND_SECONDS
    assert gateway.post("/auth/refresh", json={"refresh_token": user.refresh_token}).status_code == 401


def test_refresh_rotates_and_reuse_revokes_the_family(
    gateway: httpx.Client, new_account: Callable[[], Account]
) -> None:
    user = new_account()
    first = gateway.post("/auth/refresh", json={"refresh_token": user.refresh_token})
    assert first.status_code == 200
    rotated = first.json()["refresh_token"]
    assert rotated != user.refresh_token
    # Replaying the spent token is theft: the whole family dies, the rotated one included.
    assert gateway.post("/auth/refresh", json={"refresh_token": user.refresh_token}).status_code == 401
    assert gateway.post("/auth/refresh", json={"refresh_token": rotated}).status_code == 401


def test_a_fresh_login_after_logout_works_at_once_everywhere(
    stack: Stack, gateway: httpx.Client, new_account: Callable[[], Account]
) -> None:
    user = new_account()
    wait_for_profile(gateway, user)  # the old version is now cached at the gateway and user-service
    assert gateway.post("/auth/logout", headers=user.headers).status_code == 204
    fresh = login(gateway, user.email, user.password).json()["access_token"]
    headers = {"Authorization": f"Bearer {fresh}"}
    assert gateway.get("/auth/me", headers=headers).status_code == 200
    assert gateway.get(f"/users/{user.id}", headers=headers).status_code == 200
    with httpx.Client(base_url=stack.url("user"), timeout=10) as direct:
        assert direct.get(f"/users/{user.id}", headers=headers).status_code == 200
