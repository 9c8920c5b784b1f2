"""Every Auth and User row of the RBAC table (RBAC_DOCUMENTATION.md), through the gateway, for anonymous,
a user, another user and an admin — against the real processes and a real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import pytest

from tests.support import Account, wait_for_profile


def test_register_login_and_me(gateway: httpx.Client, new_account: Callable[[], Account]) -> None:
    user = new_account()
    me = gateway.get("/auth/me", headers=user.headers)
    assert me.status_code == 200
    assert me.json()["email"] == user.email
    assert me.json()["role"] == "user"
    assert gateway.get("/auth/me").status_code == 401


def test_duplicate_email_in_another_case_is_409(
    gateway: httpx.Client, new_account: Callable[[], Account]
) -> None:
    user = new_account()
    again = gateway.post("/auth/register", json={"email": user.email.upper(), "password": "another-password"})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"


def test_wrong_password_and_unknown_email_look_the_same(
    gateway: httpx.Client, new_account: Callable[[], Account]
) -> None:
    user = new_account()
    wrong = gateway.post("/auth/login", json={"email": user.email, "password": "not-the-password"})
    unknown = gateway.post(
        "/auth/login", json={"email": f"nobody-{uuid.uuid4().hex}@example.com", "password": "x" * 10}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"]


def test_swagger_form_login_works_through_the_gateway(
    gateway: httpx.Client, new_account: Callable[[], Account]
) -> None:
    user = new_account()
    response = gateway.post("/auth/login", data={"username": user.email, "password": user.password})
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"


def test_registering_as_admin_needs_an_admin(
    gateway: httpx.Client, new_account: Callable[[], Account], admin: Account
) -> None:
    user = new_account()
    email = f"wannabe-{uuid.uuid4().hex[:8]}@example.com"
    body = {"email": email, "password": "long enough pw", "role": "admin"}
    assert gateway.post("/auth/register", json=body).status_code == 403
    assert gateway.post("/auth/register", json=body, headers=user.headers).status_code == 403
    # Nothing was created by the refused attempts.
    assert gateway.post("/auth/login", json={"email": email, "password": "long enough pw"}).status_code == 401
    created = gateway.post("/auth/register", json=body, headers=admin.headers)
    assert created.status_code == 201
    assert created.json()["role"] == "admin"


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/auth/users"), ("GET", "/auth/users/{other}"), ("PUT", "/auth/users/{other}/role")],
)
def test_admin_only_auth_rows(
    gateway: httpx.Client, new_account: Callable[[], Account], admin: Account, method: str, path: str
) -> None:
    user, other = new_account(), new_account()
    url = path.format(other=other.id)
    body = {"role": "user"} if method == "PUT" else None
    assert gateway.request(method, url, json=body).status_code == 401
    assert gateway.request(method, url, json=body, headers=user.headers).status_code == 403
    response = gateway.request(method, url, json=body, headers=admin.headers)
    assert response.status_code == 200, response.text


def test_admin_lists_users_with_the_envelope_and_filters(
    gateway: httpx.Client, new_account: Callable[[], Account], admin: Account
) -> None:
    user = new_account()
    page = gateway.get("/auth/users", params={"email": user.email, "limit": 5}, headers=admin.headers).json()
    assert page["total"] == 1
    assert page["limit"] == 5
    assert page["offset"] == 0
    assert page["items"][0]["id"] == user.id
    assert gateway.get("/auth/users", params={"limit": 1000}, headers=admin.headers).status_code == 422


def test_profile_exists_after_registration_and_is_private(
    gateway: httpx.Client, new_account: Callable[[], Account], admin: Account
) -> None:
    owner, other = new_account(), new_account()
    profile = wait_for_profile(gateway, owner)
    assert profile["email"] == owner.email
    assert gateway.get(f"/users/{owner.id}").status_code == 401
    # Another person's profile is 404, not 403: ids cannot be probed.
    assert gateway.get(f"/users/{owner.id}", headers=other.headers).status_code == 404
    assert (
        gateway.put(f"/users/{owner.id}", json={"full_name": "Mallory"}, headers=other.headers).status_code
        == 404
    )
    assert gateway.get(f"/users/{owner.id}", headers=admin.headers).status_code == 200


def test_owner_updates_own_profile_with_normalised_phone(
    gateway: httpx.Client, new_account: Callable[[], Account]
) -> None:
    owner = new_account()
    wait_for_profile(gateway, owner)
    updated = gateway.put(
        f"/users/{owner.id}",
        json={"full_name": "Siti Rahayu", "phone": "0812-3456-7890"},
        headers=owner.headers,
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["phone"] == "+6281234567890"
    for forbidden in ({"role": "admin"}, {"user_id": str(uuid.uuid4())}, {"email": "x@example.com"}):
        assert gateway.put(f"/users/{owner.id}", json=forbidden, headers=owner.headers).status_code == 422


def test_user_admin_rows(gateway: httpx.Client, new_account: Callable[[], Account], admin: Account) -> None:
    user = new_account()
    wait_for_profile(gateway, user)
    assert gateway.get("/users/").status_code == 401
    assert gateway.get("/users/", headers=user.headers).status_code == 403
    listing = gateway.get("/users/", params={"q": user.email}, headers=admin.headers)
    assert listing.status_code == 200
    assert [p["user_id"] for p in listing.json()["items"]] == [user.id]

    body = {"user_id": user.id, "full_name": "Dup"}
    assert gateway.post("/users/", json=body).status_code == 401
    assert gateway.post("/users/", json=body, headers=user.headers).status_code == 403
    assert gateway.post("/users/", json=body, headers=admin.headers).status_code == 409

    assert gateway.delete(f"/users/{user.id}").status_code == 401
    assert gateway.delete(f"/users/{user.id}", headers=user.headers).status_code == 403
