"""Tokens are checked at the gateway before anything is forwarded (docs/architecture.md,
identity and RBAC)."""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import json
import time
import uuid

import httpx
import jwt
import pytest

from testkit.keys import AUDIENCE, ISSUER, TestKeys
from tests.conftest import ACCOUNT_STATE_TTL, GatewayFactory, Platform, make_settings


def _refused(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 401
    assert problem["request_id"] == response.headers["x-request-id"]


def _nothing_forwarded(platform: Platform) -> None:
    assert all(not received.requests for received in platform.received.values())
    assert not platform.auth.received.requests


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _b64(data: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


async def test_a_protected_route_without_a_token_is_401(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    _refused(await gateway.get("/auth/me"))
    _refused(await gateway.post("/orders", json={}))
    _refused(await gateway.get("/flights/bookings", headers={"Authorization": "Bearer "}))
    _refused(await gateway.get("/users/1", headers={"Authorization": "Basic dXNlcjpwYXNz"}))
    _nothing_forwarded(platform)


async def test_a_valid_token_passes_and_its_header_goes_on_unchanged(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    _, auth = platform.login()
    response = await gateway.get("/auth/me", headers=auth)
    assert response.status_code == 200
    assert [v for k, v in response.json()["headers"] if k == "authorization"] == [auth["Authorization"]]


def _forged_tokens(keys: TestKeys, account_id: str) -> dict[str, str]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": account_id,
        "role": "user",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 900,
        "ver": 0,
    }
    valid = keys.mint(account_id)
    header, payload, signature = valid.split(".")
    tampered_payload = _b64({**claims, "role": "admin"})
    other_keys = _other_keys()
    return {
        "expired": keys.mint(account_id, ttl=-3600),
        "tampered payload": f"{header}.{tampered_payload}.{signature}",
        "tampered signature": f"{header}.{payload}.{signature[:-6]}AAAAAA",
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': keys.kid})}.{_b64(claims)}.",
        # What a naive verifier would take as the HMAC secret: the public key it trusts.
        "HS256 signed with the public key": _hs256(claims, keys.public_pem(), keys.kid),
        "unknown kid": jwt.encode(
            claims, other_keys.private_key, algorithm="RS256", headers={"kid": "rotated-out"}
        ),
        "known kid, other key": jwt.encode(
            claims, other_keys.private_key, algorithm="RS256", headers={"kid": keys.kid}
        ),
        "no kid": jwt.encode(claims, keys.private_key, algorithm="RS256"),
        "wrong audience": keys.mint(account_id, aud="someone-else"),
        "wrong issuer": keys.mint(account_id, iss="https://evil.example"),
        "not a jwt": "definitely-not-a-token",
    }


@functools.cache
def _other_keys() -> TestKeys:
    return TestKeys()


def _hs256(claims: dict[str, object], secret: bytes, kid: str) -> str:
    # By hand: PyJWT itself refuses a PEM key as an HMAC secret.
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': kid})}.{_b64(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


@pytest.mark.parametrize(
    "kind",
    [
        "expired",
        "tampered payload",
        "tampered signature",
        "alg none",
        "HS256 signed with the public key",
        "unknown kid",
        "known kid, other key",
        "no kid",
        "wrong audience",
        "wrong issuer",
        "not a jwt",
    ],
)
async def test_an_untrustworthy_token_is_401_and_nothing_is_forwarded(
    gateway: httpx.AsyncClient, platform: Platform, kind: str
) -> None:
    account_id, _ = platform.login()
    token = _forged_tokens(platform.keys, account_id)[kind]
    _refused(await gateway.get("/auth/me", headers=_bearer(token)))
    _nothing_forwarded(platform)


async def test_a_token_of_an_unknown_or_deactivated_account_is_401(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    ghost = platform.keys.mint(str(uuid.uuid4()))
    _refused(await gateway.get("/users/me", headers=_bearer(ghost)))
    account_id = str(uuid.uuid4())
    platform.auth.add_account(account_id).is_active = False
    _refused(await gateway.get("/users/me", headers=_bearer(platform.keys.mint(account_id))))


async def _refused_within(gateway: httpx.AsyncClient, headers: dict[str, str], bound: float) -> float:
    """Seconds until the gateway refuses the token; fails past `bound`."""
    started = time.monotonic()
    while True:
        response = await gateway.get("/auth/me", headers=headers)
        elapsed = time.monotonic() - started
        if response.status_code == 401:
            return elapsed
        assert response.status_code == 200
        assert elapsed <= bound, f"revoked token still accepted after {elapsed:.2f}s"
        await asyncio.sleep(0.02)


async def test_a_revoked_token_stops_working_within_the_account_state_ttl(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    account_id, auth = platform.login()
    assert (await gateway.get("/auth/me", headers=auth)).status_code == 200
    platform.auth.accounts[account_id].token_version += 1  # logout, password change, deletion
    await _refused_within(gateway, auth, ACCOUNT_STATE_TTL + 0.5)


async def test_a_token_minted_before_a_role_change_stops_working(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    account_id, auth = platform.login("admin")
    assert (await gateway.get("/auth/users", headers=auth)).status_code == 200
    platform.auth.accounts[account_id].role = "user"
    await _refused_within(gateway, auth, ACCOUNT_STATE_TTL + 0.5)


async def test_account_state_is_asked_once_per_ttl_not_per_request(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    _, auth = platform.login()
    for _ in range(5):
        assert (await gateway.get("/auth/me", headers=auth)).status_code == 200
    assert platform.auth.state_lookups == 1
    assert platform.auth.jwks_fetches == 1


async def test_concurrent_requests_of_one_account_share_one_state_look_up(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    _, auth = platform.login()
    for round_number in range(2):
        answers = await asyncio.gather(*(gateway.get("/auth/me", headers=auth) for _ in range(16)))
        assert [a.status_code for a in answers] == [200] * 16
        assert platform.auth.state_lookups == round_number + 1
        await asyncio.sleep(ACCOUNT_STATE_TTL + 0.05)  # the cached state expires: one more look-up


@pytest.mark.parametrize(
    ("method", "path", "service"),
    [
        ("POST", "/auth/register", "auth"),
        ("POST", "/auth/login", "auth"),
        ("POST", "/auth/refresh", "auth"),
        ("POST", "/webhooks/midtrans", "payment"),
        ("POST", "/webhooks/xendit", "payment"),
        ("POST", "/webhooks/digiflazz", "ppob"),
    ],
)
async def test_public_routes_pass_without_a_token(
    gateway: httpx.AsyncClient, platform: Platform, method: str, path: str, service: str
) -> None:
    response = await gateway.request(method, path, json={"email": "a@example.com"})
    assert response.status_code == 200, response.text
    assert response.json()["service"] == service
    assert response.json()["path"] == path


async def test_the_jwks_is_public(gateway: httpx.AsyncClient, platform: Platform) -> None:
    response = await gateway.get("/auth/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.json() == platform.keys.jwks()


async def test_a_token_on_a_public_route_must_still_be_valid(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    account_id, _ = platform.login()
    expired = platform.keys.mint(account_id, ttl=-3600)
    _refused(await gateway.post("/auth/register", json={"role": "admin"}, headers=_bearer(expired)))
    _nothing_forwarded(platform)


async def test_registering_an_admin_carries_the_admins_token_through(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    _, admin = platform.login("admin")
    response = await gateway.post("/auth/register", json={"role": "admin"}, headers=admin)
    assert response.status_code == 200
    assert [v for k, v in response.json()["headers"] if k == "authorization"] == [admin["Authorization"]]


async def test_when_auth_service_is_down_a_token_cannot_be_checked_503(
    start_gateway: GatewayFactory, platform: Platform, refused_url: str
) -> None:
    transports = {name: t for name, t in platform.transports().items() if name != "auth"}
    settings = make_settings(AUTH_SERVICE_URL=refused_url)
    async with start_gateway(settings, transports=transports) as gateway:
        _, auth = platform.login()
        response = await gateway.get("/flights/bookings", headers=auth)
        assert response.status_code == 503
        assert response.json()["detail"] == "auth-service is unavailable."
        assert response.json()["request_id"] == response.headers["x-request-id"]
        # Without a token there is nothing to check: a protected route is still 401.
        _refused(await gateway.get("/flights/bookings"))
    assert not platform.received["flights"].requests


async def test_a_token_that_passed_once_is_refused_once_it_expires(
    start_gateway: GatewayFactory, platform: Platform
) -> None:
    settings = make_settings()
    settings.jwt.leeway_seconds = 0
    async with start_gateway(settings) as gateway:
        account_id = str(uuid.uuid4())
        platform.auth.add_account(account_id)
        auth = _bearer(platform.keys.mint(account_id, ttl=1))
        assert (await gateway.get("/auth/me", headers=auth)).status_code == 200
        # The gateway remembers the checked signature; the expiry still counts on every use.
        await _refused_within(gateway, auth, bound=2.5)
