"""`GET /auth/me` is answered by a layer in front of the router (routes/me_fast_path.py): every
answer must be the one the operation itself gives, byte for byte."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from routes.me_fast_path import MeFastPath
from testkit.asgi import running_app
from testkit.service_shell import MakeApp
from tests.app_factory import Account, new_user


@pytest.fixture
async def operation_only(make_app: MakeApp, migrated_database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The same service on the same database without the layer: the operation answers."""
    app: FastAPI = make_app(migrated_database_url)
    app.user_middleware = [m for m in app.user_middleware if m.cls is not MeFastPath]  # type: ignore[comparison-overlap]
    async with running_app(app) as http:
        yield http


# The same request id on both sides: problem bodies carry it.
REQUEST_ID = {"X-Request-ID": "me-fast-path-test"}


def _comparable(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, response.headers.multi_items(), response.content


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer {token}",
        "bearer   {token}  ",
        None,
        "",
        "Bearer",
        "Bearer ",
        "Basic {token}",
        "Bearer not-a-jwt",
        "Bearer {token}x",
    ],
)
async def test_the_answer_is_the_operations_own(
    client: httpx.AsyncClient, operation_only: httpx.AsyncClient, authorization: str | None
) -> None:
    user = await new_user(client)
    headers = dict(REQUEST_ID)
    if authorization is not None:
        headers["Authorization"] = authorization.format(token=user.access_token)

    fast = await client.get("/auth/me", headers=headers)
    operation = await operation_only.get("/auth/me", headers=headers)

    assert _comparable(fast) == _comparable(operation)


async def test_a_deactivated_or_logged_out_account_is_refused_alike(
    client: httpx.AsyncClient, operation_only: httpx.AsyncClient, admin: Account
) -> None:
    deactivated, logged_out = await new_user(client), await new_user(client)
    assert (
        await client.post(f"/auth/users/{deactivated.id}/deactivate", headers=admin.headers)
    ).status_code == 200
    assert (await client.post("/auth/logout", headers=logged_out.headers)).status_code == 204

    for user in (deactivated, logged_out):
        fast = await client.get("/auth/me", headers={**user.headers, **REQUEST_ID})
        operation = await operation_only.get("/auth/me", headers={**user.headers, **REQUEST_ID})
        assert fast.status_code == 401
        assert _comparable(fast) == _comparable(operation)


@pytest.mark.parametrize(
    ("method", "path"), [("HEAD", "/auth/me"), ("GET", "/auth/me/"), ("POST", "/auth/me")]
)
async def test_other_methods_and_paths_reach_the_router(
    client: httpx.AsyncClient, operation_only: httpx.AsyncClient, method: str, path: str
) -> None:
    user = await new_user(client)

    fast = await client.request(method, path, headers={**user.headers, **REQUEST_ID})
    operation = await operation_only.request(method, path, headers={**user.headers, **REQUEST_ID})

    assert _comparable(fast) == _comparable(operation)


async def test_metrics_count_it_under_the_operations_route(client: httpx.AsyncClient) -> None:
    user = await new_user(client)
    await client.get("/auth/me", headers=user.headers)

    metrics = await client.get("/metrics")

    assert 'http_requests_total{method="GET",route="/auth/me",status="200"}' in metrics.text
