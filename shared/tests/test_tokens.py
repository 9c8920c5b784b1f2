"""Token verification refuses every forgery (alg none, HS256 with the public key, unknown key,
expired, tampered, foreign, missing claims), and revocation by token version."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Mapping, Sequence

import httpx
import jwt
import pytest
import respx

from shared.errors import ProblemError
from shared.security import authenticate
from shared.tokens import (
    AccountState,
    CachedAccountStateSource,
    HttpAccountStateSource,
    InvalidToken,
    JwksKeySource,
    StaticKeySource,
    TokenVerifier,
)
from testkit.keys import AUDIENCE, ISSUER, TestKeys

ACCOUNT = "0b9c6f5e-4a8e-4c1e-9a57-3d2f1c7e8a90"


class FakeAccounts:
    def __init__(self, state: AccountState | None = AccountState("user", True, 0)) -> None:
        self.state = state
        self.calls = 0

    async def get(self, account_id: str) -> AccountState | None:
        self.calls += 1
        return self.state


def verifier(keys: TestKeys, accounts: FakeAccounts | None = None) -> TokenVerifier:
    return TokenVerifier(
        StaticKeySource({keys.kid: keys.public_key}),
        accounts or FakeAccounts(),
        issuer=ISSUER,
        audience=AUDIENCE,
        leeway=0,
    )


def _b64(data: Mapping[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_a_valid_token_yields_the_principal(test_keys: TestKeys) -> None:
    principal = await verifier(test_keys).verify(test_keys.mint(ACCOUNT))
    assert principal.account_id == ACCOUNT
    assert principal.role == "user"
    assert not principal.is_admin


async def test_alg_none_is_refused(test_keys: TestKeys) -> None:
    claims = jwt.decode(test_keys.mint(ACCOUNT), options={"verify_signature": False})
    forged = f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': test_keys.kid})}.{_b64(claims)}."
    with pytest.raises(InvalidToken):
        await verifier(test_keys).verify(forged)


async def test_hs256_signed_with_the_public_key_is_refused(test_keys: TestKeys) -> None:
    claims = jwt.decode(test_keys.mint(ACCOUNT), options={"verify_signature": False})
    header = {"alg": "HS256", "typ": "JWT", "kid": test_keys.kid}
    signing_input = f"{_b64(header)}.{_b64(claims)}".encode()
    import hashlib
    import hmac

    mac = hmac.new(test_keys.public_pem(), signing_input, hashlib.sha256).digest()
    forged = signing_input.decode() + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    with pytest.raises(InvalidToken):
        await verifier(test_keys).verify(forged)


async def test_unknown_kid_expired_tampered_and_foreign_tokens_are_refused(test_keys: TestKeys) -> None:
    other = TestKeys(kid="other")
    v = verifier(test_keys)
    good = test_keys.mint(ACCOUNT)
    header, _payload, signature = good.split(".")
    tampered_claims = jwt.decode(good, options={"verify_signature": False}) | {"role": "admin"}
    candidates = [
        other.mint(ACCOUNT),
        TestKeys(kid=test_keys.kid).mint(ACCOUNT),  # right kid, wrong key
        test_keys.mint(ACCOUNT, ttl=-5),
        test_keys.mint(ACCOUNT, aud="someone-else"),
        test_keys.mint(ACCOUNT, iss="someone-else"),
        test_keys.mint(ACCOUNT, role="root"),
        f"{header}.{_b64(tampered_claims)}.{signature}",
        "not-a-jwt",
        "",
    ]
    for token in candidates:
        with pytest.raises(InvalidToken):
            await v.verify(token)


async def test_a_remembered_token_is_still_refused_once_expired(test_keys: TestKeys) -> None:
    v = verifier(test_keys)
    token = test_keys.mint(ACCOUNT, ttl=1)
    assert (await v.verify(token)).account_id == ACCOUNT
    assert (await v.verify(token)).account_id == ACCOUNT  # remembered
    await asyncio.sleep(1.2)
    with pytest.raises(InvalidToken):
        await v.verify(token)


async def test_a_remembered_token_is_refused_once_its_key_is_gone(test_keys: TestKeys) -> None:
    keys = {test_keys.kid: test_keys.public_key}
    v = TokenVerifier(StaticKeySource(keys), FakeAccounts(), issuer=ISSUER, audience=AUDIENCE, leeway=0)
    token = test_keys.mint(ACCOUNT)
    await v.verify(token)
    keys[test_keys.kid] = TestKeys(kid=test_keys.kid).public_key  # rotated: same kid, new key
    with pytest.raises(InvalidToken):
        await v.verify(token)
    del keys[test_keys.kid]
    with pytest.raises(InvalidToken):
        await v.verify(token)


async def test_a_remembered_token_still_has_its_account_checked_and_forgeries_never_match(
    test_keys: TestKeys,
) -> None:
    accounts = FakeAccounts()
    v = TokenVerifier(
        StaticKeySource({test_keys.kid: test_keys.public_key}),
        accounts,
        issuer=ISSUER,
        audience=AUDIENCE,
        leeway=0,
        memo_size=2,
    )
    token = test_keys.mint(ACCOUNT)
    await v.verify(token)
    header, _payload, signature = token.split(".")
    tampered_claims = jwt.decode(token, options={"verify_signature": False}) | {"role": "admin"}
    with pytest.raises(InvalidToken):
        await v.verify(f"{header}.{_b64(tampered_claims)}.{signature}")
    for _ in range(3):  # more tokens than the memo holds: the oldest is forgotten, none refused
        await v.verify(test_keys.mint(ACCOUNT))
    accounts.state = AccountState("user", False, 0)
    with pytest.raises(InvalidToken):
        await v.verify(token)
    assert accounts.calls == 5  # every verify that got past the signature asked for the state


async def test_missing_claims_are_refused(test_keys: TestKeys) -> None:
    token = jwt.encode(
        {"sub": ACCOUNT, "iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 60},
        test_keys.private_key,
        algorithm="RS256",
        headers={"kid": test_keys.kid},
    )
    with pytest.raises(InvalidToken):
        await verifier(test_keys).verify(token)


async def test_older_token_version_role_change_and_deactivation_revoke(test_keys: TestKeys) -> None:
    for state in (
        AccountState("user", True, 1),
        AccountState("admin", True, 0),
        AccountState("user", False, 0),
        None,
    ):
        with pytest.raises(InvalidToken):
            await verifier(test_keys, FakeAccounts(state)).verify(test_keys.mint(ACCOUNT, version=0))


async def test_account_state_is_cached_for_the_ttl_only() -> None:
    inner = FakeAccounts()
    cached = CachedAccountStateSource(inner, ttl=0.05)
    await cached.get(ACCOUNT)
    await cached.get(ACCOUNT)
    assert inner.calls == 1
    await asyncio.sleep(0.06)
    await cached.get(ACCOUNT)
    assert inner.calls == 2


class SlowAccounts(FakeAccounts):
    """Each look-up waits for the test to let it finish, or fails when told to."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self.fail = False

    async def get(self, account_id: str) -> AccountState | None:
        self.calls += 1
        await self.release.wait()
        if self.fail:
            raise httpx.ConnectError("auth-service is down")
        return self.state


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_a_state_past_half_its_ttl_is_answered_and_read_again_in_the_background() -> None:
    inner, clock = SlowAccounts(), Clock()
    inner.release.set()
    cached = CachedAccountStateSource(inner, ttl=2.0, clock=clock)
    assert await cached.get(ACCOUNT) == AccountState("user", True, 0)
    clock.now += 1.1
    inner.release.clear()
    inner.state = AccountState("user", True, 1)  # logged out meanwhile

    # Answered at once from memory, however slow auth-service is; one read goes out behind it.
    answers = [await cached.get(ACCOUNT) for _ in range(3)]
    assert answers == [AccountState("user", True, 0)] * 3
    await settle()
    assert inner.calls == 2

    inner.release.set()
    await settle()
    assert await cached.get(ACCOUNT) == AccountState("user", True, 1)
    assert inner.calls == 2


async def test_a_state_older_than_the_ttl_is_never_answered() -> None:
    inner, clock = SlowAccounts(), Clock()
    inner.release.set()
    cached = CachedAccountStateSource(inner, ttl=2.0, clock=clock)
    await cached.get(ACCOUNT)
    inner.release.clear()
    clock.now += 1.5
    await cached.get(ACCOUNT)  # starts the background read, which hangs
    clock.now += 0.5
    inner.state = AccountState("user", False, 0)

    waiting = asyncio.ensure_future(cached.get(ACCOUNT))
    await settle()
    assert not waiting.done()  # the revocation bound holds: it waits for auth-service
    inner.release.set()
    assert await waiting == AccountState("user", False, 0)


async def test_a_failed_background_read_is_not_repeated_and_the_expired_state_asks_again() -> None:
    inner, clock = SlowAccounts(), Clock()
    inner.release.set()
    cached = CachedAccountStateSource(inner, ttl=2.0, clock=clock)
    await cached.get(ACCOUNT)
    inner.fail = True
    clock.now += 1.2
    for _ in range(5):  # still within the ttl: answered, one background read that fails
        assert await cached.get(ACCOUNT) == AccountState("user", True, 0)
        await settle()
    assert inner.calls == 2

    clock.now += 0.8
    with pytest.raises(httpx.ConnectError):
        await cached.get(ACCOUNT)
    assert inner.calls == 3


OTHERS = [f"0b9c6f5e-4a8e-4c1e-9a57-3d2f1c7e8a{n:02d}" for n in range(3)]


class ManyAccounts(SlowAccounts):
    """Answers one account, or several at once (each batch recorded)."""

    def __init__(self) -> None:
        super().__init__()
        self.batches: list[list[str]] = []
        self.states: dict[str, AccountState | None] = {}

    async def get_many(self, account_ids: Sequence[str]) -> dict[str, AccountState | None]:
        self.batches.append(list(account_ids))
        await self.release.wait()
        if self.fail:
            raise httpx.ConnectError("auth-service is down")
        return {account_id: self.states.get(account_id, self.state) for account_id in account_ids}


async def test_accounts_in_steady_use_are_read_again_together() -> None:
    inner, clock = ManyAccounts(), Clock()
    inner.release.set()
    cached = CachedAccountStateSource(inner, ttl=2.0, clock=clock, many=inner)
    first, second, third = OTHERS
    await cached.get(first)  # read at 1000.0
    clock.now += 0.3
    await cached.get(second)  # read at 1000.3
    clock.now += 0.6
    await cached.get(third)  # read at 1000.9
    idle = ACCOUNT
    await cached.get(idle)  # read at 1000.9, never asked for again
    assert inner.calls == 4
    clock.now += 0.2  # 1001.1
    await cached.get(second)  # 0.8 s old: asked since its read, past half of refresh_after
    await cached.get(third)  # 0.2 s old: too young to take along
    inner.states[first] = AccountState("user", True, 7)  # logged out meanwhile

    assert await cached.get(first) == AccountState("user", True, 0)  # due: answered, read again
    await settle()

    assert inner.batches == [[first, second]]  # one call for both; not the young, not the idle
    assert inner.calls == 4
    assert await cached.get(first) == AccountState("user", True, 7)
    clock.now += 0.5  # 1001.6: second's new state (read at 1001.1) is 0.5 s old, not due
    await cached.get(second)
    await settle()
    assert inner.batches == [[first, second]]


async def test_a_batch_that_fails_leaves_each_state_to_expire_and_be_asked_alone() -> None:
    inner, clock = ManyAccounts(), Clock()
    inner.release.set()
    cached = CachedAccountStateSource(inner, ttl=2.0, clock=clock, many=inner)
    first, second, _ = OTHERS
    await cached.get(first)
    await cached.get(second)
    await cached.get(first)  # in steady use: asked for since its read
    inner.fail = True
    clock.now += 1.2
    for _ in range(3):  # one background read for both, which fails, and is not repeated
        await cached.get(second)
        await cached.get(first)
        await settle()
    assert inner.batches == [[second, first]]

    clock.now += 0.9  # both expired: the next request of each waits for its own read
    inner.fail = False
    inner.state = AccountState("user", False, 0)
    assert await cached.get(first) == AccountState("user", False, 0)
    assert inner.calls == 3


@respx.mock
async def test_many_account_states_come_from_auth_service_in_one_call() -> None:
    known, unknown = OTHERS[0], OTHERS[1]
    route = respx.post("http://auth/internal/accounts/states").respond(
        200, json={"accounts": [{"id": known, "role": "user", "is_active": True, "token_version": 2}]}
    )
    async with httpx.AsyncClient(base_url="http://auth") as client:
        source = HttpAccountStateSource(client, "t" * 40)
        states = await source.get_many([known, unknown, "../../admin"])
        nothing_sent = await source.get_many(["not-a-uuid"])

    assert states == {known: AccountState("user", True, 2), unknown: None, "../../admin": None}
    assert nothing_sent == {"not-a-uuid": None}
    assert route.call_count == 1
    assert json.loads(route.calls.last.request.content) == {"ids": [known, unknown]}
    assert route.calls.last.request.headers["X-Internal-Token"] == "t" * 40


@respx.mock
async def test_jwks_is_fetched_once_and_unknown_kids_refetch_at_most_per_cooldown(
    test_keys: TestKeys,
) -> None:
    route = respx.get("http://auth/jwks").mock(return_value=httpx.Response(200, json=test_keys.jwks()))
    async with httpx.AsyncClient() as client:
        source = JwksKeySource(client, "http://auth/jwks", refresh_cooldown=60)
        assert await source.get(test_keys.kid) is not None
        assert await source.get(test_keys.kid) is not None
        assert await source.get("forged-kid") is None
        assert await source.get("another-forged-kid") is None
    assert route.call_count == 1


@respx.mock
async def test_a_failed_jwks_fetch_keeps_the_cooldown(test_keys: TestKeys) -> None:
    route = respx.get("http://auth/jwks").mock(return_value=httpx.Response(200, json=test_keys.jwks()))
    async with httpx.AsyncClient() as client:
        source = JwksKeySource(client, "http://auth/jwks", refresh_cooldown=60)
        assert await source.get(test_keys.kid) is not None
        route.mock(side_effect=httpx.ConnectError("auth-service down"))
        # The first forged kid after the cooldown tries once; the flood behind it never leaves.
        source._fetched_at -= 60
        with pytest.raises(httpx.ConnectError):
            await source.get("forged-kid")
        for _ in range(20):
            assert await source.get("forged-kid") is None
        assert await source.get(test_keys.kid) is not None  # known keys keep working
    assert route.call_count == 2


@respx.mock
async def test_until_the_first_jwks_arrives_a_failed_fetch_is_retried_after_a_second(
    test_keys: TestKeys,
) -> None:
    route = respx.get("http://auth/jwks").mock(side_effect=httpx.ConnectError("not up yet"))
    async with httpx.AsyncClient() as client:
        source = JwksKeySource(client, "http://auth/jwks", refresh_cooldown=60, first_fetch_retry=0.05)
        with pytest.raises(httpx.ConnectError):
            await source.get(test_keys.kid)
        assert await source.get(test_keys.kid) is None  # within the short wait: no second call
        assert route.call_count == 1
        route.mock(return_value=httpx.Response(200, json=test_keys.jwks()))
        await asyncio.sleep(0.06)
        assert await source.get(test_keys.kid) is not None
    assert route.call_count == 2


@respx.mock
async def test_account_states_come_from_auth_service_and_bad_subjects_never_leave() -> None:
    route = respx.get(f"http://auth/internal/accounts/{ACCOUNT}").respond(
        200,
        json={
            "id": ACCOUNT,
            "email": "a@example.com",
            "role": "admin",
            "is_active": True,
            "token_version": 3,
        },
    )
    async with httpx.AsyncClient(base_url="http://auth") as client:
        source = HttpAccountStateSource(client, "t" * 40)
        assert await source.get(ACCOUNT) == AccountState("admin", True, 3)
        assert route.calls.last.request.headers["X-Internal-Token"] == "t" * 40
        assert await source.get("../../admin") is None
    assert route.call_count == 1


@respx.mock
@pytest.mark.parametrize(
    ("failure", "status"),
    [
        (httpx.ConnectError("refused"), 503),
        (httpx.ReadTimeout("slow"), 504),
        (httpx.Response(500), 502),
    ],
)
async def test_auth_service_outages_are_503_504_or_502_never_401_or_500(
    test_keys: TestKeys, failure: Exception | httpx.Response, status: int
) -> None:
    route = respx.get(f"http://auth/internal/accounts/{ACCOUNT}")
    if isinstance(failure, httpx.Response):
        route.mock(return_value=failure)
    else:
        route.mock(side_effect=failure)
    async with httpx.AsyncClient(base_url="http://auth") as client:
        v = TokenVerifier(
            StaticKeySource({test_keys.kid: test_keys.public_key}),
            HttpAccountStateSource(client, "t" * 40),
            issuer=ISSUER,
            audience=AUDIENCE,
        )
        with pytest.raises(ProblemError) as raised:
            await authenticate(v, test_keys.mint(ACCOUNT))
    assert raised.value.status == status


async def test_an_untrusted_token_is_401(test_keys: TestKeys) -> None:
    with pytest.raises(ProblemError) as raised:
        await authenticate(verifier(test_keys), TestKeys(kid="other").mint(ACCOUNT))
    assert raised.value.status == 401
    assert raised.value.headers["WWW-Authenticate"] == "Bearer"


async def test_a_token_newer_than_the_cached_state_is_checked_afresh(test_keys: TestKeys) -> None:
    accounts = FakeAccounts(AccountState("user", True, 0))
    v = TokenVerifier(
        StaticKeySource({test_keys.kid: test_keys.public_key}),
        CachedAccountStateSource(accounts, ttl=60),
        issuer=ISSUER,
        audience=AUDIENCE,
    )
    await v.verify(test_keys.mint(ACCOUNT, version=0))
    # Logout bumped the version and the person logged in again: the new token works at once.
    accounts.state = AccountState("user", True, 1)
    principal = await v.verify(test_keys.mint(ACCOUNT, version=1))
    assert principal.token_version == 1
    # ...while the old one is refused, from the refreshed state, without another look-up.
    calls = accounts.calls
    with pytest.raises(InvalidToken):
        await v.verify(test_keys.mint(ACCOUNT, version=0))
    assert accounts.calls == calls
