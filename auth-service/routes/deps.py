"""What handlers receive: the use cases (built in app.py's lifespan), the caller, the client address."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from domain.administration import AccountAdministration
from domain.models import Account, Actor, Role
from domain.registration import Registration
from domain.sessions import Sessions
from shared.client_address import Network, client_address
from shared.security import bearer_scheme, refused, unauthorized
from shared.tokens import AccountState, InvalidToken, Principal, TokenVerifier, ensure_current


@dataclass(frozen=True)
class AuthServices:
    registration: Registration
    sessions: Sessions
    administration: AccountAdministration


async def get_services(request: Request) -> AuthServices:
    services: AuthServices = request.app.state.services
    return services


Services = Annotated[AuthServices, Depends(get_services)]


async def signed_in_account(
    request: Request, token: Annotated[str | None, Depends(bearer_scheme)]
) -> Account:
    """The caller's account (`signed_in`), for a FastAPI operation."""
    principal, account = await signed_in(request.app.state.token_verifier, request.app.state.services, token)
    request.state.principal = principal
    return account


async def signed_in(
    verifier: TokenVerifier, services: AuthServices, token: str | None
) -> tuple[Principal, Account]:
    """The caller's account, read once: the same checks as every other bearer-token operation
    (signature, expiry, then active, role and token version against the account as it is now),
    with the row they are checked against being the answer. 401 (or 502/503/504, `refused`)."""
    if not token:
        raise unauthorized()
    try:
        principal = await verifier.verify_signature(token)
        try:
            account_id = uuid.UUID(principal.account_id)
        except ValueError as exc:
            raise InvalidToken("account missing or inactive") from exc
        account = await services.administration.find(account_id)
        if account is None:
            raise InvalidToken("account missing or inactive")
        state = AccountState(
            role=account.role.value, is_active=account.is_active, token_version=account.token_version
        )
        ensure_current(principal, state)
    except InvalidToken as exc:
        raise refused(exc) from exc
    return principal, account


SignedInAccount = Annotated[Account, Depends(signed_in_account)]


def actor_of(principal: Principal) -> Actor:
    return Actor(account_id=uuid.UUID(principal.account_id), role=Role(principal.role))


async def get_client_ip(request: Request) -> str | None:
    """The address sign-in attempts are counted against: X-Forwarded-For only from
    TRUSTED_PROXIES (shared.client_address)."""
    peer = request.client.host if request.client else None
    trusted: Sequence[Network] = request.app.state.trusted_proxies
    return client_address(peer, request.headers.get("x-forwarded-for"), trusted)


ClientIp = Annotated[str | None, Depends(get_client_ip)]
