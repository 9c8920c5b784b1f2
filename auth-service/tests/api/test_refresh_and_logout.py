"""Refresh rotation, reuse detection and sign-out over HTTP."""

from __future__ import annotations

from httpx import AsyncClient

from tests.app_factory import Account, bearer, new_user


async def refresh(client: AsyncClient, token: str) -> tuple[int, dict[str, object]]:
    response = await client.post("/auth/refresh", json={"refresh_token": token})
    return response.status_code, response.json()


async def test_refresh_returns_a_new_pair_and_spends_the_old_token(client: AsyncClient) -> None:
    user = await new_user(client)

    status, body = await refresh(client, user.refresh_token)

    assert status == 200
    assert body["refresh_token"] != user.refresh_token
    assert body["token_type"] == "bearer"
    me = await client.get("/auth/me", headers=bearer(str(body["access_token"])))
    assert me.status_code == 200


async def test_replaying_a_spent_refresh_token_revokes_its_whole_family(client: AsyncClient) -> None:
    user = await new_user(client)
    _, rotated = await refresh(client, user.refresh_token)
    _, rotated_again = await refresh(client, str(rotated["refresh_token"]))

    replay_status, replay = await refresh(client, user.refresh_token)

    assert replay_status == 401
    assert str(replay["type"]).endswith("/refresh-token-reused")
    assert (await refresh(client, str(rotated_again["refresh_token"])))[0] == 401


async def test_unknown_refresh_token_is_401(client: AsyncClient) -> None:
    assert (await refresh(client, "nope"))[0] == 401


async def test_logout_ends_access_and_refresh_tokens_of_every_session(client: AsyncClient) -> None:
    user = await new_user(client)
    second_device = await client.post("/auth/login", json={"email": user.email, "password": user.password})
    other_tokens = second_device.json()

    response = await client.post("/auth/logout", headers=user.headers)

    assert response.status_code == 204
    assert response.content == b""
    assert (await client.get("/auth/me", headers=user.headers)).status_code == 401
    assert (await client.get("/auth/me", headers=bearer(other_tokens["access_token"]))).status_code == 401
    assert (await refresh(client, user.refresh_token))[0] == 401
    assert (await refresh(client, other_tokens["refresh_token"]))[0] == 401
    # Signing in again works, with the new token version.
    again = await client.post("/auth/login", json={"email": user.email, "password": user.password})
    assert (await client.get("/auth/me", headers=bearer(again.json()["access_token"]))).status_code == 200


async def test_logout_needs_a_token(client: AsyncClient) -> None:
    assert (await client.post("/auth/logout")).status_code == 401


async def test_refresh_for_a_deactivated_account_is_401(client: AsyncClient, admin: Account) -> None:
    user = await new_user(client)
    await client.post(f"/auth/users/{user.id}/deactivate", headers=admin.headers)
    await client.post(f"/auth/users/{user.id}/activate", headers=admin.headers)
    other = await new_user(client)
    tokens = await client.post("/auth/login", json={"email": other.email, "password": other.password})
    await client.post(f"/auth/users/{other.id}/deactivate", headers=admin.headers)

    assert (await refresh(client, user.refresh_token))[0] == 401  # revoked at deactivation
    assert (await refresh(client, tokens.json()["refresh_token"]))[0] == 401
