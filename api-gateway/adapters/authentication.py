"""The gateway's token check (docs/architecture.md, identity and RBAC): signature and expiry
locally against auth-service's JWKS, then the account's current role and token version from
auth-service, cached for at most JWT_ACCOUNT_STATE_TTL_SECONDS (the bound on how long a revoked
token still passes here)."""

from __future__ import annotations

import time

import httpx

from shared.security import authenticate
from shared.tokens import (
    AccountStateSource,
    CachedAccountStateSource,
    HttpAccountStateSource,
    JwksKeySource,
    KeySource,
    Principal,
    TokenVerifier,
)


class SignatureCachingVerifier(TokenVerifier):
    """Checks each distinct token's signature once, then remembers it until it expires.

    A client sends the same token with every call for up to 15 minutes; an RS256 check and the
    claim checks are the gateway's biggest cost per request. Only successes are remembered, the
    expiry is checked again on every use, and the account state (revocation) is still checked
    on every request through the cached account-state source.
    """

    def __init__(
        self,
        keys: KeySource,
        accounts: AccountStateSource,
        *,
        issuer: str,
        audience: str,
        leeway: int = 10,
        max_entries: int = 10_000,
    ) -> None:
        super().__init__(keys, accounts, issuer=issuer, audience=audience, leeway=leeway)
        self._verified: dict[str, Principal] = {}
        self._max_entries = max_entries
        self._grace = leeway

    async def verify_signature(self, token: str) -> Principal:
        principal = self._verified.get(token)
        if principal is not None:
            if time.time() <= principal.expires_at + self._grace:
                return principal
            del self._verified[token]
        principal = await super().verify_signature(token)
        if len(self._verified) >= self._max_entries:
            self._verified.clear()
        self._verified[token] = principal
        return principal


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
    return SignatureCachingVerifier(
        JwksKeySource(auth_client, jwks_url),
        CachedAccountStateSource(HttpAccountStateSource(auth_client, internal_token), ttl=account_state_ttl),
        issuer=issuer,
        audience=audience,
        leeway=leeway,
    )


class Authenticator:
    """Turns a bearer token into a principal, or into the problem the caller should see
    (shared.security.authenticate: 401 for a token we cannot trust, 502/503/504 when
    auth-service cannot tell us)."""

    def __init__(self, verifier: TokenVerifier) -> None:
        self._verifier = verifier

    async def authenticate(self, token: str) -> Principal:
        return await authenticate(self._verifier, token)
