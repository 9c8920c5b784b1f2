"""The gateway's token check (docs/architecture.md, identity and RBAC): signature and expiry
locally against auth-service's JWKS, then the account's current role and token version from
auth-service, cached for at most JWT_ACCOUNT_STATE_TTL_SECONDS (the bound on how long a revoked
token still passes here)."""

from __future__ import annotations

import asyncio

import httpx

from shared.security import authenticate
from shared.tokens import (
    AccountState,
    AccountStateSource,
    CachedAccountStateSource,
    HttpAccountStateSource,
    JwksKeySource,
    Principal,
    TokenVerifier,
)

# Distinct tokens whose verified signature is remembered: the clients active in a token's lifetime.
_REMEMBERED_TOKENS = 10_000


class SharedLookups:
    """Concurrent look-ups of one account share one call to auth-service.

    When an account's cached state expires, every request of that account in flight misses the
    cache at once; without this, each would ask auth-service (32 connections, 32 calls every
    JWT_ACCOUNT_STATE_TTL_SECONDS). A request that joins gets the answer of a call that began
    after the cached state expired, so the revocation bound is unchanged. The call runs on its
    own: a caller that goes away does not cancel it for the others.
    """

    def __init__(self, inner: AccountStateSource) -> None:
        self._inner = inner
        self._pending: dict[str, asyncio.Task[AccountState | None]] = {}

    async def get(self, account_id: str) -> AccountState | None:
        pending = self._pending.get(account_id)
        if pending is None:
            pending = asyncio.ensure_future(self._inner.get(account_id))
            self._pending[account_id] = pending
            pending.add_done_callback(lambda done: self._finished(account_id, done))
        return await asyncio.shield(pending)

    def _finished(self, account_id: str, done: asyncio.Task[AccountState | None]) -> None:
        if self._pending.get(account_id) is done:
            del self._pending[account_id]
        if not done.cancelled():
            done.exception()  # retrieved here too, in case every caller went away


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
    from_auth = HttpAccountStateSource(auth_client, internal_token)
    return TokenVerifier(
        JwksKeySource(auth_client, jwks_url),
        # The accounts in steady use are read again together, in the background (shared.tokens).
        CachedAccountStateSource(SharedLookups(from_auth), ttl=account_state_ttl, many=from_auth),
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
