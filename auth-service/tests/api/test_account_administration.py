"""Admin operations on accounts over HTTP: listing, lookup, roles, (de)activation, and the
revocation each change brings."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient

from testkit.asgi import running_app
from testkit.keys import TestKeys
from tests.app_factory import ADMIN_PASSWORD, Account, build_app, new_user, sign_in, unique_email


async def test_listing_uses_the_page_envelope_and_filters_by_email_and_role(
    client: AsyncClient, admin: Account
) -> None:
    tag = uuid.uuid4().hex[:10]
    for name in ("budi", "siti", "budiman"):
        await client.post(
            "/auth/register", json={"email": f"{name}.{tag}@example.com", "password": "long enough"}
        )
    await client.post(
        "/auth/register",
        json={"email": f"ops.{tag}@example.com", "password": "long enough", "role": "admin"},
        headers=admin.headers,
    )

    budis = await client.get("/auth/users", params={"email": f"BUDI%.{tag}"}, headers=admin.headers)
    users = await client.get("/auth/users", params={"email": tag, "role": "user"}, headers=admin.headers)
    admins = await client.get("/auth/users", params={"email": tag, "role": "admin"}, headers=admin.headers)
    paged = await client.get(
        "/auth/users", params={"email": tag, "limit": 2, "offset": 1}, headers=admin.headers
    )

    assert budis.json()["total"] == 0  # % is literal, not a wildcard
    assert users.json()["total"] == 3
    assert [a["email"] for a in admins.json()["items"]] == [f"ops.{tag}@example.com"]
    page = paged.json()
    assert (page["total"], page["limit"], page["offset"], len(page["items"])) == (4, 2, 1, 2)
    by_part = await client.get("/auth/users", params={"email": f"BUDI.{tag}"}, headers=admin.headers)
    assert [a["email"] for a in by_part.json()["items"]] == [f"budi.{tag}@example.com"]


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 1000},
        {"offset": -1},
        {"role": "superuser"},
        {"limit": "x"},
        # PostgreSQL's text holds no NUL: refused before the database is asked.
        {"email": "budi\x00"},
        {"email": "budi\n"},
    ],
)
async def test_bad_list_parameters_are_422(
    client: AsyncClient, admin: Account, params: dict[str, str | int]
) -> None:
    response = await client.get("/auth/users", params=params, headers=admin.headers)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_account_by_id_and_unknown_or_malformed_ids(client: AsyncClient, admin: Account) -> None:
    user = await new_user(client)

    found = await client.get(f"/auth/users/{user.id}", headers=admin.headers)
    missing = await client.get(f"/auth/users/{uuid.uuid4()}", headers=admin.headers)
    malformed = await client.get("/auth/users/not-a-uuid", headers=admin.headers)

    assert found.status_code == 200
    assert found.json()["email"] == user.email
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert malformed.status_code == 422
    for path in ("/auth/users/not-a-uuid/role", "/auth/users/1/deactivate", "/auth/users/%00/activate"):
        method = "PUT" if path.endswith("role") else "POST"
        response = await client.request(method, path, json={"role": "user"}, headers=admin.headers)
        assert response.status_code in (404, 422), path


async def test_a_role_change_revokes_the_accounts_tokens(client: AsyncClient, admin: Account) -> None:
    user = await new_user(client)

    promoted = await client.put(f"/auth/users/{user.id}/role", json={"role": "admin"}, headers=admin.headers)

    assert promoted.status_code == 200
    assert promoted.json()["role"] == "admin"
    assert (await client.get("/auth/me", headers=user.headers)).status_code == 401
    fresh = await sign_in(client, user.email, user.password)
    assert (await client.get("/auth/users", headers=fresh.headers)).status_code == 200


async def test_setting_the_same_role_keeps_tokens_valid(client: AsyncClient, admin: Account) -> None:
    user = await new_user(client)

    same = await client.put(f"/auth/users/{user.id}/role", json={"role": "user"}, headers=admin.headers)

    assert same.status_code == 200
    assert (await client.get("/auth/me", headers=user.headers)).status_code == 200


async def test_deactivation_revokes_and_activation_lets_the_owner_sign_in_again(
    client: AsyncClient, admin: Account
) -> None:
    user = await new_user(client)

    deactivated = await client.post(f"/auth/users/{user.id}/deactivate", headers=admin.headers)
    again = await client.post(f"/auth/users/{user.id}/deactivate", headers=admin.headers)

    assert deactivated.status_code == again.status_code == 200
    assert deactivated.json()["is_active"] is False
    assert (await client.get("/auth/me", headers=user.headers)).status_code == 401
    assert (
        await client.post("/auth/login", json={"email": user.email, "password": user.password})
    ).status_code == 401

    activated = await client.post(f"/auth/users/{user.id}/activate", headers=admin.headers)

    assert activated.json()["is_active"] is True
    assert (await client.get("/auth/me", headers=user.headers)).status_code == 401  # old token stays dead
    await sign_in(client, user.email, user.password)


async def test_the_last_active_admin_cannot_be_demoted_or_deactivated(
    fresh_database_url: str, test_keys: TestKeys
) -> None:
    admin_email = unique_email("only-admin")
    app = build_app(fresh_database_url, test_keys.private_pem(), admin_email=admin_email)
    async with running_app(app) as client:
        only = await sign_in(client, admin_email, ADMIN_PASSWORD)

        demote = await client.put(f"/auth/users/{only.id}/role", json={"role": "user"}, headers=only.headers)
        deactivate = await client.post(f"/auth/users/{only.id}/deactivate", headers=only.headers)

        assert (demote.status_code, deactivate.status_code) == (409, 409)
        assert demote.json()["type"].endswith("/last-admin")
        assert (await client.get("/auth/me", headers=only.headers)).json()["role"] == "admin"

        # With a second active admin, stepping down is allowed.
        second = await client.post(
            "/auth/register",
            json={"email": unique_email("second-admin"), "password": "long enough", "role": "admin"},
            headers=only.headers,
        )
        stepped_down = await client.put(
            f"/auth/users/{only.id}/role", json={"role": "user"}, headers=only.headers
        )
        assert stepped_down.status_code == 200
        assert stepped_down.json()["role"] == "user"
        # The second admin is now the last one.
        second_admin = await sign_in(client, second.json()["email"], "long enough")
        last = await client.post(f"/auth/users/{second_admin.id}/deactivate", headers=second_admin.headers)
        assert last.status_code == 409
