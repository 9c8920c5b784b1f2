"""Registering and signing in over HTTP, against the real app and a real PostgreSQL."""

from __future__ import annotations

import jwt
import pytest
from httpx import AsyncClient

from adapters.signing import rsa_thumbprint
from testkit.keys import TestKeys
from tests.app_factory import PASSWORD, Account, bearer, login, new_user, unique_email


async def test_register_returns_the_account_with_a_lowercased_email(client: AsyncClient) -> None:
    email = unique_email("Budi").upper()

    response = await client.post("/auth/register", json={"email": email, "password": PASSWORD})

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "email", "role", "is_active", "created_at"}
    assert body["email"] == email.lower()
    assert body["role"] == "user"
    assert body["is_active"] is True


async def test_the_same_email_in_another_case_is_409(client: AsyncClient) -> None:
    email = unique_email()
    assert (
        await client.post("/auth/register", json={"email": email, "password": PASSWORD})
    ).status_code == 201

    again = await client.post("/auth/register", json={"email": email.upper(), "password": "other-password"})

    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"
    assert again.json()["type"].endswith("/email-already-registered")


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "password": PASSWORD},
        {"email": "a@example.com", "password": "short"},
        {"email": "a@example.com", "password": "x" * 129},
        {"email": "a@example.com", "password": PASSWORD, "role": "superuser"},
        {"password": PASSWORD},
    ],
)
async def test_invalid_registrations_are_422_problems(client: AsyncClient, body: dict[str, object]) -> None:
    response = await client.post("/auth/register", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert PASSWORD not in response.text  # rejected input is never echoed


async def test_admin_role_needs_an_admins_token_and_refusals_create_nothing(
    client: AsyncClient, admin: Account
) -> None:
    user = await new_user(client)
    email = unique_email("wannabe")
    body = {"email": email, "password": PASSWORD, "role": "admin"}

    assert (await client.post("/auth/register", json=body)).status_code == 403
    assert (await client.post("/auth/register", json=body, headers=user.headers)).status_code == 403
    assert (await login(client, email, PASSWORD)).status_code == 401

    created = await client.post("/auth/register", json=body, headers=admin.headers)
    assert created.status_code == 201
    assert created.json()["role"] == "admin"


async def test_a_bad_token_on_register_is_401_not_anonymous(client: AsyncClient) -> None:
    email = unique_email()

    response = await client.post(
        "/auth/register", json={"email": email, "password": PASSWORD}, headers=bearer("not.a.token")
    )

    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert (await login(client, email, PASSWORD)).status_code == 401


async def test_json_login_issues_tokens_shaped_as_the_platform_expects(
    client: AsyncClient, test_keys: TestKeys
) -> None:
    user = await new_user(client)

    response = await login(client, user.email.upper(), PASSWORD)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "RS256"
    assert header["kid"] == rsa_thumbprint(test_keys.public_key)
    claims = jwt.decode(
        body["access_token"], test_keys.public_key, algorithms=["RS256"], audience="tiketq-api"
    )
    assert claims["iss"] == "tiketq-auth"
    assert claims["sub"] == user.id
    assert claims["role"] == "user"
    assert claims["ver"] == 0
    assert claims["exp"] - claims["iat"] == 900
    assert set(claims) == {"iss", "aud", "sub", "role", "jti", "iat", "exp", "ver"}


async def test_swagger_form_login_works(client: AsyncClient) -> None:
    user = await new_user(client)

    response = await client.post(
        "/auth/login", data={"grant_type": "password", "username": user.email, "password": PASSWORD}
    )

    assert response.status_code == 200, response.text
    me = await client.get("/auth/me", headers=bearer(response.json()["access_token"]))
    assert me.json()["email"] == user.email


async def test_wrong_password_unknown_email_and_inactive_account_look_the_same(
    client: AsyncClient, admin: Account
) -> None:
    user = await new_user(client)
    inactive = await new_user(client)
    assert (
        await client.post(f"/auth/users/{inactive.id}/deactivate", headers=admin.headers)
    ).status_code == 200

    answers = [
        await login(client, user.email, "not-the-password"),
        await login(client, unique_email("nobody"), PASSWORD),
        await login(client, inactive.email, PASSWORD),
    ]

    assert {r.status_code for r in answers} == {401}
    assert len({r.json()["detail"] for r in answers}) == 1


async def test_me_needs_a_token_and_returns_the_account(client: AsyncClient) -> None:
    user = await new_user(client)

    anonymous = await client.get("/auth/me")
    me = await client.get("/auth/me", headers=user.headers)

    assert anonymous.status_code == 401
    assert anonymous.headers["www-authenticate"] == "Bearer"
    assert me.status_code == 200
    assert me.json()["id"] == user.id
    assert set(me.json()) == {"id", "email", "role", "is_active", "created_at"}
