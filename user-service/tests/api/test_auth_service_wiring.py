"""The app as production builds it (no overrides): tokens verified with keys from auth-service's
JWKS and account states from its internal API, and the accounts API called on DELETE, all
answered here by respx with auth-service's documented payloads."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import respx
from fastapi import FastAPI

from app import create_app
from domain.models import Account
from testkit.asgi import running_app
from testkit.keys import TestKeys
from tests.conftest import INTERNAL_TOKEN, make_settings, registered_event

AUTH = "http://auth.test"


def account(
    account_id: uuid.UUID, role: str = "user", *, active: bool = True, version: int = 0
) -> dict[str, object]:
    return {
        "id": str(account_id),
        "email": f"{account_id.hex[:8]}@example.com",
        "role": role,
        "is_active": active,
        "token_version": version,
    }


@pytest.fixture
def auth_service(test_keys: TestKeys) -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=AUTH, assert_all_called=False) as mock:
        mock.get("/auth/.well-known/jwks.json", name="jwks").respond(200, json=test_keys.jwks())
        yield mock


@pytest.fixture
async def client(
    migrated_database_url: str, auth_service: respx.MockRouter
) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(make_settings(migrated_database_url))
    async with running_app(app) as client:
        yield client


async def test_tokens_are_checked_against_auth_services_keys_and_account_state(
    client: httpx.AsyncClient, auth_service: respx.MockRouter, test_keys: TestKeys
) -> None:
    user_id = uuid.uuid4()
    state = auth_service.get(f"/internal/accounts/{user_id}").respond(200, json=account(user_id))
    body, headers = registered_event_for(user_id)
    assert (await client.post("/internal/events", content=body, headers=headers)).status_code == 200

    response = await client.get("/users/me", headers=bearer(test_keys, user_id))
    assert response.status_code == 200, response.text
    assert auth_service["jwks"].called
    assert state.calls.last.request.headers["X-Internal-Token"] == INTERNAL_TOKEN


async def test_a_token_with_an_old_version_is_refused(
    client: httpx.AsyncClient, auth_service: respx.MockRouter, test_keys: TestKeys
) -> None:
    user_id = uuid.uuid4()
    auth_service.get(f"/internal/accounts/{user_id}").respond(200, json=account(user_id, version=1))
    response = await client.get("/users/me", headers=bearer(test_keys, user_id, version=0))
    assert response.status_code == 401


async def test_a_token_signed_by_another_key_is_refused(
    client: httpx.AsyncClient, auth_service: respx.MockRouter
) -> None:
    user_id = uuid.uuid4()
    auth_service.get(f"/internal/accounts/{user_id}").respond(200, json=account(user_id))
    stranger = TestKeys(kid="test-key")  # same kid, different key
    assert (await client.get("/users/me", headers=bearer(stranger, user_id))).status_code == 401


async def test_auth_service_down_during_a_token_check_is_503_not_500(
    client: httpx.AsyncClient, auth_service: respx.MockRouter, test_keys: TestKeys
) -> None:
    user_id = uuid.uuid4()
    auth_service.get(f"/internal/accounts/{user_id}").mock(side_effect=httpx.ConnectError("refused"))
    response = await client.get("/users/me", headers=bearer(test_keys, user_id))
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"


async def test_admin_delete_calls_deactivate_on_auth_service_then_deletes(
    client: httpx.AsyncClient, auth_service: respx.MockRouter, test_keys: TestKeys
) -> None:
    admin_id, user_id = uuid.uuid4(), uuid.uuid4()
    auth_service.get(f"/internal/accounts/{admin_id}").respond(200, json=account(admin_id, "admin"))
    deactivate = auth_service.post(f"/internal/accounts/{user_id}/deactivate").respond(
        200, json=account(user_id, active=False, version=1)
    )
    body, headers = registered_event_for(user_id)
    await client.post("/internal/events", content=body, headers=headers)

    response = await client.delete(f"/users/{user_id}", headers=bearer(test_keys, admin_id, "admin"))
    assert response.status_code == 204
    assert deactivate.calls.last.request.headers["X-Internal-Token"] == INTERNAL_TOKEN
    assert (
        await client.get(f"/users/{user_id}", headers=bearer(test_keys, admin_id, "admin"))
    ).status_code == 404


async def test_admin_delete_while_auth_service_times_out_is_504_and_keeps_the_profile(
    client: httpx.AsyncClient, auth_service: respx.MockRouter, test_keys: TestKeys
) -> None:
    admin_id, user_id = uuid.uuid4(), uuid.uuid4()
    auth_service.get(f"/internal/accounts/{admin_id}").respond(200, json=account(admin_id, "admin"))
    auth_service.post(f"/internal/accounts/{user_id}/deactivate").mock(side_effect=httpx.ReadTimeout("slow"))
    body, headers = registered_event_for(user_id)
    await client.post("/internal/events", content=body, headers=headers)

    response = await client.delete(f"/users/{user_id}", headers=bearer(test_keys, admin_id, "admin"))
    assert response.status_code == 504
    assert (
        await client.get(f"/users/{user_id}", headers=bearer(test_keys, admin_id, "admin"))
    ).status_code == 200


async def test_admin_create_reads_the_email_from_auth_service(
    client: httpx.AsyncClient, auth_service: respx.MockRouter, test_keys: TestKeys
) -> None:
    admin_id, user_id = uuid.uuid4(), uuid.uuid4()
    auth_service.get(f"/internal/accounts/{admin_id}").respond(200, json=account(admin_id, "admin"))
    auth_service.get(f"/internal/accounts/{user_id}").respond(
        200, json={**account(user_id), "email": "Ani@Example.com"}
    )
    response = await client.post(
        "/users/", headers=bearer(test_keys, admin_id, "admin"), json={"user_id": str(user_id)}
    )
    assert response.status_code == 201, response.text
    assert response.json()["email"] == "ani@example.com"


def bearer(keys: TestKeys, account_id: uuid.UUID, role: str = "user", *, version: int = 0) -> dict[str, str]:
    return {"Authorization": f"Bearer {keys.mint(str(account_id), role, version=version)}"}


def registered_event_for(account_id: uuid.UUID) -> tuple[bytes, dict[str, str]]:
    return registered_event(Account(account_id, f"{account_id.hex[:8]}@example.com", "user", True))
