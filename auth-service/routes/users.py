"""Admin operations on accounts (RBAC_DOCUMENTATION.md: admin only; 401 anonymous, 403 users)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from domain.models import Role
from routes.deps import Services
from routes.errors import problem_responses
from routes.schemas import AccountOut, RoleUpdate
from shared.pagination import Page, Pagination, text_filter
from shared.security import admin_principal

router = APIRouter(
    prefix="/auth/users",
    tags=["users (admin)"],
    dependencies=[Depends(admin_principal)],
    responses=problem_responses(401, 403),
)


@router.get("", response_model=Page[AccountOut], summary="List accounts", responses=problem_responses(422))
async def list_accounts(
    services: Services,
    page: Pagination,
    role: Annotated[Role | None, Query(description="Only accounts with this role")] = None,
    email: Annotated[str | None, text_filter(320, "Case-insensitive part of the email")] = None,
) -> Page[AccountOut]:
    found = await services.administration.search(
        role=role, email_contains=email, limit=page.limit, offset=page.offset
    )
    return Page[AccountOut](
        items=[AccountOut.from_domain(a) for a in found.items],
        total=found.total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/{account_id}", response_model=AccountOut, summary="One account", responses=problem_responses(404, 422)
)
async def get_account(account_id: uuid.UUID, services: Services) -> AccountOut:
    return AccountOut.from_domain(await services.administration.get(account_id))


@router.put(
    "/{account_id}/role",
    response_model=AccountOut,
    summary="Change an account's role",
    responses=problem_responses(404, 409, 422),
)
async def change_role(account_id: uuid.UUID, body: RoleUpdate, services: Services) -> AccountOut:
    """A change ends the account's current access tokens (they state the old role). The last
    active admin cannot be demoted (409)."""
    return AccountOut.from_domain(await services.administration.change_role(account_id, body.role))


@router.post(
    "/{account_id}/deactivate",
    response_model=AccountOut,
    summary="Deactivate an account",
    responses=problem_responses(404, 409, 422),
)
async def deactivate(account_id: uuid.UUID, services: Services) -> AccountOut:
    """Idempotent. Ends every session of the account. The last active admin cannot be
    deactivated (409)."""
    return AccountOut.from_domain(await services.administration.deactivate(account_id))


@router.post(
    "/{account_id}/activate",
    response_model=AccountOut,
    summary="Reactivate an account",
    responses=problem_responses(404, 422),
)
async def activate(account_id: uuid.UUID, services: Services) -> AccountOut:
    """Idempotent. Tokens from before the deactivation stay revoked; the owner signs in again."""
    return AccountOut.from_domain(await services.administration.activate(account_id))
