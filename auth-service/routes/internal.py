"""Service-to-service operations (never routed by the gateway; X-Internal-Token required,
404 without it). Left out of the public OpenAPI document."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends

from routes.deps import Services
from routes.schemas import AccountStatesOut, AccountStatesRequest, InternalAccountOut
from shared.internal import require_internal

router = APIRouter(
    prefix="/internal/accounts", dependencies=[Depends(require_internal)], include_in_schema=False
)


@router.post("/states", response_model=AccountStatesOut)
async def account_states(request: AccountStatesRequest, services: Services) -> AccountStatesOut:
    """Several accounts' states in one read: other services refresh the accounts in steady use
    together (shared.tokens.CachedAccountStateSource). At most 100 ids; unknown ones left out."""
    return AccountStatesOut.from_domain(
        await services.administration.find_many(list(dict.fromkeys(request.ids)))
    )


@router.get("/{account_id}", response_model=InternalAccountOut)
async def account_state(account_id: uuid.UUID, services: Services) -> InternalAccountOut:
    return InternalAccountOut.from_domain(await services.administration.get(account_id))


@router.post("/{account_id}/deactivate", response_model=InternalAccountOut)
async def deactivate_account(account_id: uuid.UUID, services: Services) -> InternalAccountOut:
    """user-service calls this when an admin deletes a user. Idempotent; 409 for the last admin."""
    return InternalAccountOut.from_domain(await services.administration.deactivate(account_id))
