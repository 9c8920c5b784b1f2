"""FastAPI dependencies for identity and roles. Every service verifies tokens itself
(DESIGN.md §4): nothing trusts an identity header that came from outside."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer

from shared.errors import ProblemError
from shared.tokens import InvalidToken, Principal, TokenVerifier

logger = logging.getLogger("shared.security")

# auto_error=False: we answer missing tokens ourselves, as problem+json. tokenUrl makes
# Swagger's Authorize button log in through auth-service (via the gateway).
bearer_scheme = OAuth2PasswordBearer(tokenUrl="/auth/login", auto_error=False)

_UNAUTHORIZED_HEADERS = {"WWW-Authenticate": "Bearer"}


def unauthorized(detail: str = "Missing or invalid bearer token.") -> ProblemError:
    return ProblemError(401, "unauthorized", detail, headers=_UNAUTHORIZED_HEADERS)


async def optional_principal(
    request: Request, token: Annotated[str | None, Depends(bearer_scheme)]
) -> Principal | None:
    """None without a token; 401 with a bad one (a bad token is never treated as anonymous)."""
    if not token:
        return None
    verifier: TokenVerifier = request.app.state.token_verifier
    try:
        principal = await verifier.verify(token)
    except InvalidToken as exc:
        logger.info("token refused: %s", exc)
        raise unauthorized() from exc
    request.state.principal = principal
    return principal


async def current_principal(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    if principal is None:
        raise unauthorized()
    return principal


async def admin_principal(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
    if not principal.is_admin:
        raise ProblemError(403, "forbidden", "This action requires the admin role.")
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
AdminPrincipal = Annotated[Principal, Depends(admin_principal)]
