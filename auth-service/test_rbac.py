"""The Auth rows of the RBAC table (RBAC_DOCUMENTATION.md), checked against the real auth-service (in-process,
its real lifespan) on a real PostgreSQL, for an anonymous caller, a user and an admin.

    | Auth | POST /auth/register        | USER ✅ ADMIN ✅ |  (role "admin": admins only)
    | Auth | POST /auth/login           | USER ✅ ADMIN ✅ |
    | Auth | GET  /auth/me              | USER ✅ ADMIN ✅ |
    | Auth | GET  /auth/users           | USER ❌ ADMIN ✅ |
    | Auth | GET  /auth/users/{id}      | USER ❌ ADMIN ✅ |
    | Auth | PUT  /auth/users/{id}/role | USER ❌ ADMIN ✅ |
    plus refresh, logout, deactivate and activate, which the original table left out.

❌ is 403 for a signed-in user and 401 for an anonymous caller (no token).

Run it from this folder with `../.venv/bin/python test_rbac.py` (extra arguments go to pytest),
or as part of `../.venv/bin/pytest`.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import httpx
import pytest

ANONYMOUS, USER, ADMIN = "anonymous", "user", "admin"
CALLERS = (ANONYMOUS, USER, ADMIN)


@dataclass(frozen=True)
class World:
    """One running auth-service with a user, an admin, and another user to act on."""

    client: httpx.AsyncClient
    factory: ModuleType
    accounts: dict[str, Any]  # caller -> tests.app_factory.Account (no entry for anonymous)
    target: Any

    def headers(self, caller: str) -> dict[str, str]:
        return self.accounts[caller].headers if caller in self.accounts else {}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    expected: dict[str, int]
    body: Callable[[World, str], Any] = lambda world, caller: None
    bearer: bool = True  # whether the caller's access token is sent
    note: str = ""

    def __str__(self) -> str:
        return f"{self.method} {self.path}{f' ({self.note})' if self.note else ''}"

    def url(self, world: World) -> str:
        return self.path.format(id=world.target.id)


def fresh_registration(role: str | None = None) -> Callable[[World, str], Any]:
    def body(world: World, caller: str) -> dict[str, Any]:
        found: dict[str, Any] = {"email": world.factory.unique_email("rbac"), "password": "long enough pw"}
        if role:
            found["role"] = role
        return found

    return body


def own_credentials(world: World, caller: str) -> dict[str, str]:
    if caller == ANONYMOUS:  # anyone may sign in: an account that has never had a token
        return {"email": world.target.email, "password": world.target.password}
    return {"email": world.accounts[caller].email, "password": world.accounts[caller].password}


def own_refresh_token(world: World, caller: str) -> dict[str, str]:
    token = world.accounts[caller].refresh_token if caller in world.accounts else "no-refresh-token"
    return {"refresh_token": token}


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(CALLERS, status)


def admins_only(status: int = 200) -> dict[str, int]:
    return {ANONYMOUS: 401, USER: 403, ADMIN: status}


ROWS = [
    Row("POST", "/auth/register", everyone(201), fresh_registration()),
    Row(
        "POST",
        "/auth/register",
        {ANONYMOUS: 403, USER: 403, ADMIN: 201},
        fresh_registration("admin"),
        note="role admin",
    ),
    Row("POST", "/auth/login", everyone(200), own_credentials, bearer=False),
    Row("GET", "/auth/me", {ANONYMOUS: 401, USER: 200, ADMIN: 200}),
    Row("GET", "/auth/users", admins_only()),
    Row("GET", "/auth/users/{id}", admins_only()),
    Row("PUT", "/auth/users/{id}/role", admins_only(), lambda world, caller: {"role": "admin"}),
    Row("POST", "/auth/refresh", {ANONYMOUS: 401, USER: 200, ADMIN: 200}, own_refresh_token, bearer=False),
    Row("POST", "/auth/logout", {ANONYMOUS: 401, USER: 204, ADMIN: 204}),
    Row("POST", "/auth/users/{id}/deactivate", admins_only()),
    Row("POST", "/auth/users/{id}/activate", admins_only()),
]


def _factory() -> ModuleType:
    # Imported here, not at the top: as a script, this file runs before pytest has read
    # pytest.ini and put the repository root (for `shared`) on sys.path.
    from tests import app_factory

    return app_factory


@pytest.fixture
async def world(migrated_database_url: str, test_keys: Any) -> AsyncIterator[World]:
    from testkit.asgi import running_app

    factory = _factory()
    admin_email = factory.unique_email("rbac-admin")
    app = factory.build_app(migrated_database_url, test_keys.private_pem(), admin_email=admin_email)
    async with running_app(app) as client:
        admin = await factory.sign_in(client, admin_email, factory.ADMIN_PASSWORD)
        user = await factory.new_user(client, "rbac-user")
        target_email = factory.unique_email("rbac-target")
        created = await client.post(
            "/auth/register", json={"email": target_email, "password": factory.PASSWORD}
        )
        assert created.status_code == 201, created.text
        target = factory.Account(created.json()["id"], target_email, factory.PASSWORD, "", "")
        yield World(client, factory, {USER: user, ADMIN: admin}, target)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("row", ROWS, ids=str)
async def test_rbac(world: World, row: Row, caller: str) -> None:
    headers = world.headers(caller) if row.bearer else {}
    body = row.body(world, caller)

    response = await world.client.request(row.method, row.url(world), json=body, headers=headers)

    expected = row.expected[caller]
    assert response.status_code == expected, f"{caller}: {row} -> {response.text}"
    if expected in (401, 403):
        assert response.headers["content-type"] == "application/problem+json"
    if expected == 401 and row.bearer:
        assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("caller", [USER, ADMIN])
async def test_the_swagger_authorize_form_signs_in_both_roles(world: World, caller: str) -> None:
    account = world.accounts[caller]

    response = await world.client.post(
        "/auth/login", data={"username": account.email, "password": account.password}
    )

    assert response.status_code == 200
    me = await world.client.get(
        "/auth/me", headers={"Authorization": f"Bearer {response.json()['access_token']}"}
    )
    assert me.json()["role"] == caller


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-vv", *sys.argv[1:]]))
