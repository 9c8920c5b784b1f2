"""Bad JSON, wrong types, odd media types and huge bodies are 4xx problems, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from httpx import AsyncClient

from tests.app_factory import Account, new_user

BAD_BODIES = [
    (b"{not json", "application/json"),
    (b'{"email": 42, "password": ["x"]}', "application/json"),
    (b'{"email": "not-an-email", "password": "long enough"}', "application/json"),
    (b'{"email": "a@example.com", "password": "short"}', "application/json"),
    (b'{"email": null, "password": null}', "application/json"),
    (b"", "application/json"),
    (b"\xff\xfe\x00garbage", "application/json"),
    (b"[]", "application/json"),
    (b'"just a string"', "application/json"),
    (b"email=a@example.com&password=long+enough", "application/x-www-form-urlencoded"),
    (b"<xml/>", "application/xml"),
]


@pytest.mark.parametrize(("content", "content_type"), BAD_BODIES)
@pytest.mark.parametrize("path", ["/auth/register", "/auth/login", "/auth/refresh"])
async def test_bad_bodies_are_4xx_problems(
    client: AsyncClient, path: str, content: bytes, content_type: str
) -> None:
    response = await client.post(path, content=content, headers={"Content-Type": content_type})

    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("content", "content_type", "status"),
    [
        (b"username=a@example.com", "application/x-www-form-urlencoded", 422),
        (
            b"username=a@example.com&password=long+enough&grant_type=client_credentials",
            "application/x-www-form-urlencoded",
            422,
        ),
        (b"--xyz\r\nbroken", "multipart/form-data; boundary=xyz", 422),
        (b"<xml/>", "application/xml", 415),
        (b'{"email": "a@example.com", "password": "' + b"p" * 200 + b'"}', "application/json", 422),
    ],
)
async def test_login_bodies_that_are_not_credentials(
    client: AsyncClient, content: bytes, content_type: str, status: int
) -> None:
    response = await client.post("/auth/login", content=content, headers={"Content-Type": content_type})

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("path", ["/auth/register", "/auth/login", "/auth/refresh"])
async def test_huge_bodies_are_413(client: AsyncClient, path: str) -> None:
    huge = b'{"email": "a@example.com", "password": "' + b"x" * (2 * 1024 * 1024) + b'"}'

    response = await client.post(path, content=huge, headers={"Content-Type": "application/json"})

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"json": {"email": "budi\u0000@example.com", "password": "long enough"}},
        {"data": {"username": "budi\x00@example.com", "password": "long enough"}},
    ],
    ids=["json", "form"],
)
async def test_a_nul_in_the_login_email_is_a_422_not_a_500(
    client: AsyncClient, request_kwargs: dict[str, Any]
) -> None:
    # PostgreSQL's text holds no NUL: the look-up of such an email cannot even be asked.
    response = await client.post("/auth/login", **request_kwargs)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_huge_form_login_is_413(client: AsyncClient) -> None:
    response = await client.post(
        "/auth/login", data={"username": "a@example.com", "password": "x" * 2_000_000}
    )

    assert response.status_code == 413


async def test_wrong_types_in_role_update_are_422_for_admins_and_403_for_users(
    client: AsyncClient, admin: Account
) -> None:
    user = await new_user(client)
    bodies: list[object] = [{"role": 1}, {"role": None}, {}, [], {"role": "root"}, "admin"]
    for body in bodies:
        as_admin = await client.put(f"/auth/users/{user.id}/role", json=body, headers=admin.headers)
        as_user = await client.put(f"/auth/users/{user.id}/role", json=body, headers=user.headers)
        assert as_admin.status_code == 422, body
        assert as_user.status_code == 403, body
