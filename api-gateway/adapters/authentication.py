"""The gateway's token check (docs/architecture.md, identity and RBAC): signature and expiry
locally against auth-service's JWKS, then the account's current role and token version from
auth-service, cached for at most JWT_ACCOUNT_STATE_TTL_SECONDS (the bound on how long a revoked
token still passes here)."""

from __future__ import annotations

import httpx

from shared.security import authenticate
from shared.tokens import (
    CachedAccountStateSource,
    HttpAccountStateSource,
    JwksKeySource,
    Principal,
    TokenVerifier,
)

# Distinct tokens whose verified signature is remembered: the clients active in a token's lifetime.
_REMEMBERED_TOKENS = 10_000


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
    # TokenVerifier remembers each token whose signature checked out (until it expires, while
    # its key stands), so a client's repeated token costs no RSA check; the account state
    # (revocation) is still checked on every request, through the cache in front of it.
    return TokenVerifier(
        JwksKeySource(auth_client, jwks_url),
        CachedAccountStateSource(HttpAccountStateSource(auth_client, internal_token), ttl=account_state_ttl),
        issuer=issuer,
        audience=audience,
        leeway=leeway,
        memo_size=_REMEMBERED_TOKENS,
    )


class Authenticator:
    """Turns a bearer token into a principal, or into the problem the caller should see
    (shared.security.authenticate: 401 for a token we cannot trust, 502/503/504 when
    auth-service cannot tell us)."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self._verifier = verifier

    async def authenticate(self, token: str) -> Principal:
        return await authenticate(self._verifier, token)
