"""The auth-service client against respx, with auth-service's documented payloads:
GET /internal/accounts/{id} and POST /internal/accounts/{id}/deactivate."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from adapters.auth_accounts import HttpAccountDirectory
from domain.errors import AccountCannotBeDeactivated
from domain.models import Account
from shared.errors import ProblemError
from shared.http import make_client

AUTH = "http://auth.test"
TOKEN = "contract-internal-token-0123456789abcdef"
ACCOUNT_ID = uuid.UUID("0b6f8a52-4c1e-4d4b-9f0e-6c1f2a3b4c5d")


def account_body(**overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "id": str(ACCOUNT_ID),
        "email": "siti@example.com",
        "role": "user",
        "is_active": True,
        "token_version": 0,
    }
    body.update(overrides)
    return body


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(AUTH) as client:
        yield client


@pytest.fixture
def directory(client: httpx.AsyncClient) -> HttpAccountDirectory:
    return HttpAccountDirectory(client, TOKEN)


@respx.mock
async def test_get_reads_the_account_and_sends_the_internal_token(directory: HttpAccountDirectory) -> None:
    route = respx.get(f"{AUTH}/internal/accounts/{ACCOUNT_ID}").respond(200, json=account_body())
    assert await directory.get(ACCOUNT_ID) == Account(ACCOUNT_ID, "siti@example.com", "user", True)
    assert route.calls.last.request.headers["X-Internal-Token"] == TOKEN


@respx.mock
async def test_an_unknown_account_is_none(directory: HttpAccountDirectory) -> None:
    respx.get(f"{AUTH}/internal/accounts/{ACCOUNT_ID}").respond(404, json={"status": 404})
    respx.post(f"{AUTH}/internal/accounts/{ACCOUNT_ID}/deactivate").respond(404, json={"status": 404})
    assert await directory.get(ACCOUNT_ID) is None
    assert await directory.deactivate(ACCOUNT_ID) is None


@respx.mock
async def test_deactivate_posts_and_reads_the_deactivated_account(directory: HttpAccountDirectory) -> None:
    route = respx.post(f"{AUTH}/internal/accounts/{ACCOUNT_ID}/deactivate").respond(
        200, json=account_body(is_active=False, token_version=1)
    )
    account = await directory.deactivate(ACCOUNT_ID)
    assert account is not None
    assert not account.is_active
    assert route.calls.last.request.headers["X-Internal-Token"] == TOKEN


@respx.mock
async def test_a_refused_deactivation_is_a_business_error_with_auth_services_reason(
    directory: HttpAccountDirectory,
) -> None:
    respx.post(f"{AUTH}/internal/accounts/{ACCOUNT_ID}/deactivate").respond(
        409, json={"status": 409, "detail": "the last active admin cannot be deactivated"}
    )
    with pytest.raises(AccountCannotBeDeactivated, match="last active admin"):
        await directory.deactivate(ACCOUNT_ID)


@respx.mock
@pytest.mark.parametrize(
    ("failure", "status"),
    [
        (httpx.ConnectError("refused"), 503),
        (httpx.ReadTimeout("slow"), 504),
    ],
)
async def test_transport_failures_become_503_or_504(
    directory: HttpAccountDirectory, failure: Exception, status: int
) -> None:
    respx.post(f"{AUTH}/internal/accounts/{ACCOUNT_ID}/deactivate").mock(side_effect=failure)
    with pytest.raises(ProblemError) as raised:
        await directory.deactivate(ACCOUNT_ID)
    assert raised.value.status == status


@respx.mock
@pytest.mark.parametrize("response", [httpx.Response(500), httpx.Response(200, json={"unexpected": True})])
async def test_errors_and_unreadable_answers_become_502(
    directory: HttpAccountDirectory, response: httpx.Response
) -> None:
    respx.get(f"{AUTH}/internal/accounts/{ACCOUNT_ID}").mock(return_value=response)
    with pytest.raises(ProblemError) as raised:
        await directory.get(ACCOUNT_ID)
    assert raised.value.status == 502
