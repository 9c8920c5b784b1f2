"""auth-service's internal accounts API, as the domain's `AccountDirectory` port. (Token checks
use shared.tokens.HttpAccountStateSource; shared.security maps auth-service outages to 502/503/504.)

GET  /internal/accounts/{id}            -> 200 {"id","email","role","is_active","token_version"} | 404
POST /internal/accounts/{id}/deactivate -> 200 (same body, idempotent) | 404 | 409 (the last admin)
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import httpx

from domain.errors import AccountCannotBeDeactivated
from domain.models import Account
from shared.errors import ProblemError
from shared.http import upstream_errors
from shared.internal import internal_headers

SERVICE = "auth-service"


class HttpAccountDirectory:
    def __init__(self, client: httpx.AsyncClient, internal_token: str) -> None:
        self._client = client
        self._headers = internal_headers(internal_token)

    async def get(self, account_id: UUID) -> Account | None:
        async with upstream_errors(SERVICE):
            response = await self._client.get(f"/internal/accounts/{account_id}", headers=self._headers)
        return _account_or_none(response)

    async def deactivate(self, account_id: UUID) -> Account | None:
        # Deactivation is idempotent on auth-service's side, but we do not retry it here: the
        # admin sees the 503/504 and can repeat the DELETE, which is harmless.
        async with upstream_errors(SERVICE):
            response = await self._client.post(
                f"/internal/accounts/{account_id}/deactivate", headers=self._headers
            )
        if response.status_code == 409:
            raise AccountCannotBeDeactivated(
                _problem_detail(response) or "the last active admin cannot be deactivated"
            )
        return _account_or_none(response)


def _account_or_none(response: httpx.Response) -> Account | None:
    if response.status_code == 404:
        return None
    if not response.is_success:
        raise ProblemError(502, "upstream-error", f"{SERVICE} answered {response.status_code}.")
    try:
        body: dict[str, Any] = response.json()
        return Account(
            id=UUID(str(body["id"])),
            email=str(body["email"]),
            role=str(body["role"]),
            is_active=bool(body["is_active"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ProblemError(502, "upstream-error", f"{SERVICE} sent an account we cannot read.") from exc


def _problem_detail(response: httpx.Response) -> str | None:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return None
    return detail if isinstance(detail, str) else None
