"""/internal/accounts: what other services check tokens against, and how user-service deletes."""

from __future__ import annotations

import uuid

import pytest
from httpx import AsyncClient

from tests.app_factory import INTERNAL_TOKEN, Account, new_user

INTERNAL = {"X-Internal-Token": INTERNAL_TOKEN}


@pytest.mark.parametrize("headers", [{}, {"X-Internal-Token": "x" * 40}, {"X-Internal-Token": ""}])
async def test_without_the_internal_credential_the_routes_do_not_exist(
    client: AsyncClient, admin: Account, headers: dict[str, str]
) -> None:
    with_admin_token = {**headers, **admin.headers}

    get = await client.get(f"/internal/accounts/{admin.id}", headers=with_admin_token)
    post = await client.post(f"/internal/accounts/{admin.id}/deactivate", headers=with_admin_token)
    malformed = await client.get("/internal/accounts/not-a-uuid", headers=with_admin_token)

    assert (get.status_code, post.status_code, malformed.status_code) == (404, 404, 404)
    assert get.headers["content-type"] == "application/problem+json"


async def test_account_state_for_token_checks(client: AsyncClient) -> None:
    user = await new_user(client)

    response = await client.get(f"/internal/accounts/{user.id}", headers=INTERNAL)

    assert response.status_code == 200
    assert response.json() == {
        "id": user.id,
        "email": user.email,
        "role": "user",
        "is_active": True,
        "token_version": 0,
    }


async def test_unknown_and_malformed_ids(client: AsyncClient) -> None:
    assert (await client.get(f"/internal/accounts/{uuid.uuid4()}", headers=INTERNAL)).status_code == 404
    assert (
        await client.post(f"/internal/accounts/{uuid.uuid4()}/deactivate", headers=INTERNAL)
    ).status_code == 404
    assert (await client.get("/internal/accounts/not-a-uuid", headers=INTERNAL)).status_code == 422


async def test_deactivate_is_idempotent_and_bumps_the_version_once(client: AsyncClient) -> None:
    user = await new_user(client)

    first = await client.post(f"/internal/accounts/{user.id}/deactivate", headers=INTERNAL)
    second = await client.post(f"/internal/accounts/{user.id}/deactivate", headers=INTERNAL)

    assert first.status_code == second.status_code == 200
    assert first.json()["is_active"] is False
    assert first.json()["token_version"] == second.json()["token_version"] == 1
    assert (await client.get("/auth/me", headers=user.headers)).status_code == 401


async def test_internal_routes_are_not_in_the_public_openapi(client: AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]

    assert not [p for p in paths if p.startswith("/internal")]


async def test_many_account_states_in_one_read(client: AsyncClient, admin: Account) -> None:
    user = await new_user(client)
    unknown = str(uuid.uuid4())

    response = await client.post(
        "/internal/accounts/states", json={"ids": [user.id, unknown, admin.id, user.id]}, headers=INTERNAL
    )

    assert response.status_code == 200
    by_id = {account["id"]: account for account in response.json()["accounts"]}
    assert by_id == {
        user.id: {"id": user.id, "role": "user", "is_active": True, "token_version": 0},
        admin.id: {"id": admin.id, "role": "admin", "is_active": True, "token_version": 0},
    }


@pytest.mark.parametrize(
    "body",
    [
        {"ids": []},
        {"ids": [str(uuid.uuid4()) for _ in range(101)]},
        {"ids": ["not-a-uuid"]},
        {"ids": str(uuid.uuid4())},
        {"ids": [str(uuid.uuid4())], "email": "x@example.com"},
        {},
    ],
)
async def test_account_states_refuse_what_is_not_a_short_list_of_ids(
    client: AsyncClient, body: dict[str, object]
) -> None:
    response = await client.post("/internal/accounts/states", json=body, headers=INTERNAL)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_account_states_need_the_internal_credential(client: AsyncClient, admin: Account) -> None:
    response = await client.post(
        "/internal/accounts/states", json={"ids": [admin.id]}, headers={**admin.headers}
    )

    assert response.status_code == 404
