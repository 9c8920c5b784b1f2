"""The gateway's token check (DESIGN.md §4): signature and expiry locally against auth-service's
JWKS, then the account's current role and token version from auth-service, cached for at most
JWT_ACCOUNT_STATE_TTL_SECONDS (the bound on how long a revoked token still passes here)."""

from __future__ import annotations

import logging

import httpx

from shared.errors import ProblemError
from shared.security import unauthorized
from shared.tokens import (
    CachedAccountStateSource,
    HttpAccountStateSource,
    InvalidToken,
    JwksKeySource,
    Principal,
    TokenVerifier,
)

logger = logging.getLogger("gateway.authentication")

_AUTH = "auth-service"


def build_token_verifier(
    auth_client: httpx.AsyncClient,
    *,
    jwks_url: str,
    internal_token: str,
    issuer: str,
    audience: str,
    account_state_ttl: float,
    leeway: int,
) -> TokenVerifier:
    return TokenVerifier(
        JwksKeySource(auth_client, jwks_url),
        CachedAccountStateSource(HttpAccountStateSource(auth_client, internal_token), ttl=account_state_ttl),
        issuer=issuer,
        audience=audience,
        leeway=leeway,
    )


class Authenticator:
    """Turns a bearer token into a principal, or into the problem the caller should see:
    401 for a token we cannot trust, 503/504 when auth-service cannot tell us (a client must
    not throw a good token away because auth-service was briefly down)."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self._verifier = verifier

    async def authenticate(self, token: str) -> Principal:
        try:
            return await self._verifier.verify(token)
        except InvalidToken as exc:
            if isinstance(exc.__cause__, httpx.HTTPError):  # the JWKS could not be fetched
                raise _unavailable(exc.__cause__) from exc
            logger.info("token refused: %s", exc)
            raise unauthorized() from exc
        except httpx.HTTPError as exc:  # the account state could not be fetched
            raise _unavailable(exc) from exc


def _unavailable(exc: httpx.HTTPError) -> ProblemError:
    logger.warning("cannot check a token with %s: %r", _AUTH, exc)
    if isinstance(exc, httpx.TimeoutException):
        return ProblemError(504, "upstream-timeout", f"{_AUTH} did not answer in time.")
    if isinstance(exc, httpx.HTTPStatusError):
        return ProblemError(502, "bad-gateway", f"{_AUTH} could not check the token.")
    return ProblemError(503, "upstream-unavailable", f"{_AUTH} is unavailable.")
