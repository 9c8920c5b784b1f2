"""FastAPI dependencies for identity and roles. Every service verifies tokens itself
(docs/architecture.md, identity and RBAC): nothing trusts an identity header that came from outside."""

from __future__ import annotations

import logging
from typing import Annotated

import httpx
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


def auth_unavailable(exc: httpx.HTTPError) -> ProblemError:
    """auth-service could not tell us about the token: 502/503/504, never 401, so that a client
    does not throw a good token away during a brief outage."""
    logger.warning("cannot check a token with auth-service: %r", exc)
    if isinstance(exc, httpx.TimeoutException):
        return ProblemError(504, "upstream-timeout", "auth-service did not answer in time.")
    if isinstance(exc, httpx.HTTPStatusError):
        return ProblemError(502, "bad-gateway", "auth-service could not check the token.")
    return ProblemError(503, "upstream-unavailable", "auth-service is unavailable.")


def refused(exc: InvalidToken) -> ProblemError:
    """The problem the caller of a refused token sees: 401, or 502/503/504 when the signing
    keys could not be fetched."""
    if isinstance(exc.__cause__, httpx.HTTPError):  # the JWKS could not be fetched
        return auth_unavailable(exc.__cause__)
    logger.info("token refused: %s", exc)
    return unauthorized()


async def authenticate(verifier: TokenVerifier, token: str) -> Principal:
    """A principal, or the problem the caller should see (401, or 502/503/504)."""
    try:
        return await verifier.verify(token)
    except InvalidToken as exc:
        raise refused(exc) from exc
    except httpx.HTTPError as exc:  # the account state could not be fetched
        raise auth_unavailable(exc) from exc


async def optional_principal(
    request: Request, token: Annotated[str | None, Depends(bearer_scheme)]
) -> Principal | None:
    """None without a token; 401 with a bad one (a bad token is never treated as anonymous)."""
    if not token:
        return None
    principal = await authenticate(request.app.state.token_verifier, token)
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
