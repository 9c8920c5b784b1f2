"""Access-token verification (docs/architecture.md, identity and RBAC): RS256 only, keys from
auth-service's JWKS, issuer/audience/expiry checked, then the account's current role and token
version."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
import jwt
from jwt.algorithms import RSAAlgorithm

from shared.settings import JwtVerifySettings

ALGORITHM = "RS256"
REQUIRED_CLAIMS = ("iss", "aud", "sub", "role", "jti", "iat", "exp", "ver")
ROLES = ("user", "admin")


class InvalidToken(Exception):
    """The token cannot be trusted; the reason is for logs, never for the caller."""


@dataclass(frozen=True, slots=True)
class Principal:
    account_id: str
    role: str
    token_id: str
    token_version: int
    expires_at: int

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True, slots=True)
class AccountState:
    role: str
    is_active: bool
    token_version: int


class KeySource(Protocol):
    async def get(self, kid: str) -> Any: ...


class AccountStateSource(Protocol):
    async def get(self, account_id: str) -> AccountState | None: ...


class AccountStatesSource(Protocol):
    """Several accounts' states in one look-up; an account that does not exist maps to None."""

    async def get_many(self, account_ids: Sequence[str]) -> dict[str, AccountState | None]: ...


# The most accounts one background read asks for (auth-service's limit per request).
MAX_ACCOUNTS_PER_READ = 100


class StaticKeySource:
    """Keys known up front: auth-service's own keys, and tests."""

    def __init__(self, keys: dict[str, Any]) -> None:
        self._keys = keys

    async def get(self, kid: str) -> Any:
        return self._keys.get(kid)


class JwksKeySource:
    """Public keys from a JWKS URL, cached; an unknown `kid` refetches at most once per cooldown
    (so key rotation works, and forged kids cannot make us hammer auth-service), failed fetches
    included."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        url: str,
        refresh_cooldown: float = 30.0,
        first_fetch_retry: float = 1.0,
    ) -> None:
        self._client = client
        self._url = url
        self._cooldown = refresh_cooldown
        self._first_fetch_retry = min(first_fetch_retry, refresh_cooldown)
        self._keys: dict[str, Any] = {}
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def get(self, kid: str) -> Any:
        key = self._keys.get(kid)
        if key is not None:
            return key
        async with self._lock:
            if kid not in self._keys and time.monotonic() - self._fetched_at >= self._cooldown:
                await self._refresh()
        return self._keys.get(kid)

    async def _refresh(self) -> None:
        self._fetched_at = time.monotonic()
        try:
            response = await self._client.get(self._url)
            response.raise_for_status()
            keys = response.json()["keys"]
        except (httpx.HTTPError, KeyError, ValueError):
            # The cooldown stands after a failure too: otherwise every request with a forged kid
            # would reach auth-service while it is down. Only while no key was ever fetched is
            # the wait short, so a service started before auth-service verifies tokens within a
            # second of it coming up (still one fetch per second at most, never one per request).
            if not self._keys:
                self._fetched_at -= self._cooldown - self._first_fetch_retry
            raise
        self._keys = {
            k["kid"]: RSAAlgorithm.from_jwk(k) for k in keys if k.get("kty") == "RSA" and k.get("kid")
        }


class CachedAccountStateSource:
    """Remembers each account's state for `ttl` seconds (counted from when the look-up began):
    the bound on how long a revoked token still works at this hop.

    A state older than `refresh_after` (half the ttl unless given) is still answered, and read
    again in the background, once per remembered state: an account in steady use is never
    waited for, where otherwise every request arriving while its expired state was read again
    waited for a round trip to auth-service. Only a state older than `ttl` is waited for (the
    background read failed, or the account was idle), so the bound is unchanged.

    Given `many`, a background read also takes along every other account asked for since its
    state was read whose state is older than half of `refresh_after`: one call then refreshes
    the accounts in steady use together (at most MAX_ACCOUNTS_PER_READ), where each would have
    cost a call of its own every `refresh_after` seconds (under 16 buyers, 1.5 calls per
    booking through the gateway and transaction-service). An account that was not asked for
    since its last read is left to expire.
    """

    def __init__(
        self,
        inner: AccountStateSource,
        ttl: float,
        *,
        refresh_after: float | None = None,
        many: AccountStatesSource | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        self._many = many
        self._clock = clock
        self._ttl = ttl
        self._refresh_after = ttl / 2 if refresh_after is None else min(refresh_after, ttl)
        self._cache: dict[str, tuple[float, AccountState | None]] = {}  # (look-up began, state)
        # The remembered state each background read replaces: one read per state, even if it fails.
        self._refreshing: dict[str, float] = {}
        # Accounts asked for since their state was read: the ones a background read takes along.
        self._asked: set[str] = set()
        self._background: set[asyncio.Task[Any]] = set()

    async def get(self, account_id: str) -> AccountState | None:
        hit = self._cache.get(account_id)
        if hit is not None:
            read_at, state = hit
            age = self._clock() - read_at
            if age < self._ttl:
                self._asked.add(account_id)
                if age >= self._refresh_after and self._refreshing.get(account_id) != read_at:
                    self._refresh_in_background(account_id, read_at)
                return state
        return await self.get_fresh(account_id)

    async def get_fresh(self, account_id: str) -> AccountState | None:
        began = self._clock()
        state = await self._inner.get(account_id)
        self._remember(account_id, began, state)
        return state

    def _remember(self, account_id: str, began: float, state: AccountState | None) -> None:
        if len(self._cache) > 100_000:
            self._cache.clear()
            self._refreshing.clear()
            self._asked.clear()
        current = self._cache.get(account_id)
        if current is None or current[0] <= began:  # a read that began later keeps its answer
            self._cache[account_id] = (began, state)
            self._asked.discard(account_id)

    def _refresh_in_background(self, account_id: str, read_at: float) -> None:
        due = {account_id: read_at}
        if self._many is not None:
            due.update(self._taken_along(exclude=account_id))
        self._refreshing.update(due)
        task: asyncio.Task[Any]
        if self._many is None:
            task = asyncio.ensure_future(self.get_fresh(account_id))
        else:
            task = asyncio.ensure_future(self._read_many(self._many, list(due)))
        self._background.add(task)
        task.add_done_callback(lambda done: self._refreshed(due, done))

    def _taken_along(self, *, exclude: str) -> dict[str, float]:
        """Accounts in steady use whose states are past half of `refresh_after`: read now, with
        the one that is due, rather than each on its own a moment later."""
        oldest_kept = self._clock() - self._refresh_after / 2
        along: dict[str, float] = {}
        # A bounded look: with thousands of accounts in use, each read still costs the same.
        for other in itertools.islice(self._asked, 4 * MAX_ACCOUNTS_PER_READ):
            if len(along) >= MAX_ACCOUNTS_PER_READ - 1:
                break
            hit = self._cache.get(other)
            if (
                other == exclude
                or hit is None
                or hit[0] > oldest_kept
                or self._refreshing.get(other) == hit[0]
            ):
                continue
            along[other] = hit[0]
        return along

    async def _read_many(self, many: AccountStatesSource, account_ids: list[str]) -> None:
        began = self._clock()
        states = await many.get_many(account_ids)
        for account_id in account_ids:
            self._remember(account_id, began, states.get(account_id))

    def _refreshed(self, due: dict[str, float], done: asyncio.Task[Any]) -> None:
        self._background.discard(done)
        if done.cancelled():
            return
        if done.exception() is None:
            for account_id, read_at in due.items():
                if self._refreshing.get(account_id) == read_at:
                    del self._refreshing[account_id]
        # A failure is left to the request that finds the state expired: it asks again and
        # answers 502/503/504 (shared.security) if auth-service still cannot say.


class HttpAccountStateSource:
    """Asks auth-service for an account's current role, activity and token version."""

    def __init__(self, client: httpx.AsyncClient, internal_token: str) -> None:
        self._client = client
        self._headers = {"X-Internal-Token": internal_token}

    async def get(self, account_id: str) -> AccountState | None:
        if not _is_uuid(account_id):
            return None  # account ids are UUIDs: no such account can exist, the token is refused
        response = await self._client.get(f"/internal/accounts/{account_id}", headers=self._headers)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        body = response.json()
        return AccountState(
            role=body["role"], is_active=body["is_active"], token_version=body["token_version"]
        )

    async def get_many(self, account_ids: Sequence[str]) -> dict[str, AccountState | None]:
        """Up to MAX_ACCOUNTS_PER_READ accounts in one call; those auth-service does not know
        (or that are not UUIDs, so cannot exist) map to None."""
        states: dict[str, AccountState | None] = dict.fromkeys(account_ids)
        wanted = [account_id for account_id in account_ids if _is_uuid(account_id)]
        if not wanted:
            return states
        response = await self._client.post(
            "/internal/accounts/states", json={"ids": wanted}, headers=self._headers
        )
        response.raise_for_status()
        for found in response.json()["accounts"]:
            account_id = str(found["id"])
            if account_id in states:
                states[account_id] = AccountState(
                    role=found["role"], is_active=found["is_active"], token_version=found["token_version"]
                )
        return states


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def ensure_current(principal: Principal, state: AccountState | None) -> None:
    """A validly signed token is still refused when its account is gone or inactive, or its
    role or token version is no longer the account's (a logout, role change or deactivation)."""
    if state is None or not state.is_active:
        raise InvalidToken("account missing or inactive")
    if state.token_version != principal.token_version or state.role != principal.role:
        raise InvalidToken("token revoked")


class TokenVerifier:
    """Checks a token's signature and claims, then its account's current state.

    A token whose signature and claims passed is remembered (at most `memo_size` of them, the
    oldest forgotten first): the same token string again skips the RSA check and the parsing,
    as long as it has not expired and its `kid` still names the very key that verified it (a
    key rotated away ends its tokens here as it would without the memo). Only a byte-for-byte
    equal token matches, so nothing forged can use it. The account state is read every time.
    """

    def __init__(
        self,
        keys: KeySource,
        accounts: AccountStateSource,
        *,
        issuer: str,
        audience: str,
        leeway: int = 10,
        memo_size: int = 4096,
    ) -> None:
        self._keys = keys
        self._accounts = accounts
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway
        self._memo_size = memo_size
        self._verified: dict[str, tuple[str, Any, Principal]] = {}

    async def verify(self, token: str) -> Principal:
        principal = await self.verify_signature(token)
        state = await self._accounts.get(principal.account_id)
        if (
            state is not None
            and principal.token_version > state.token_version
            and isinstance(self._accounts, CachedAccountStateSource)
        ):
            # Versions only grow, so a validly signed token newer than what we remember means our
            # memory is stale (the person just logged in again after a logout or role change).
            state = await self._accounts.get_fresh(principal.account_id)
        ensure_current(principal, state)
        return principal

    async def verify_signature(self, token: str) -> Principal:
        """Signature, algorithm, issuer, audience and expiry; no account look-up."""
        remembered = self._verified.get(token)
        if remembered is not None:
            kid, key, principal = remembered
            # PyJWT's own expiry rule: refused once exp <= now - leeway.
            if principal.expires_at > time.time() - self._leeway and await self._keys.get(kid) is key:
                return principal
            del self._verified[token]
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken("malformed token") from exc
        # Only RS256 with a key we know: this refuses `alg: none` and HS256-with-the-public-key.
        if header.get("alg") != ALGORITHM or not isinstance(header.get("kid"), str):
            raise InvalidToken("unexpected algorithm or missing kid")
        try:
            key = await self._keys.get(header["kid"])
        except httpx.HTTPError as exc:
            raise InvalidToken("signing keys unavailable") from exc
        if key is None:
            raise InvalidToken("unknown kid")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                issuer=self._issuer,
                audience=self._audience,
                leeway=self._leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        if claims["role"] not in ROLES or not isinstance(claims["ver"], int):
            raise InvalidToken("bad claims")
        principal = Principal(
            account_id=str(claims["sub"]),
            role=claims["role"],
            token_id=str(claims["jti"]),
            token_version=claims["ver"],
            expires_at=int(claims["exp"]),
        )
        if len(self._verified) >= self._memo_size:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (header["kid"], key, principal)
        return principal


def verifier_backed_by_auth_service(
    auth_client: httpx.AsyncClient,
    settings: JwtVerifySettings,
    internal_token: str,
    *,
    key_source: KeySource | None = None,
    account_states: AccountStateSource | None = None,
) -> TokenVerifier:
    """How a service other than auth checks tokens (docs/architecture.md, identity and RBAC):
    auth-service's JWKS, and its account states cached for at most
    `JWT_ACCOUNT_STATE_TTL_SECONDS`. Tests pass their own sources instead."""
    keys = key_source or JwksKeySource(auth_client, settings.jwks_url)
    from_auth = HttpAccountStateSource(auth_client, internal_token)
    states = account_states or CachedAccountStateSource(
        from_auth, ttl=settings.account_state_ttl_seconds, many=from_auth
    )
    return TokenVerifier(
        keys, states, issuer=settings.issuer, audience=settings.audience, leeway=settings.leeway_seconds
    )
