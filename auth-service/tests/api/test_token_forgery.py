"""Forged, expired, tampered or revoked access tokens are 401 with WWW-Authenticate: Bearer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from httpx import AsyncClient

from adapters.signing import rsa_thumbprint
from testkit.keys import TestKeys
from tests.app_factory import Account, bearer, new_user


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"


def forgeries(user: Account, keys: TestKeys) -> dict[str, str]:
    kid = rsa_thumbprint(keys.public_key)
    claims = jwt.decode(user.access_token, options={"verify_signature": False})
    as_admin = {**claims, "role": "admin"}
    head, _, signature = user.access_token.split(".")
    hs_input = unsigned({"alg": "HS256", "typ": "JWT", "kid": kid}, as_admin)
    hs_signature = b64(hmac.new(keys.public_pem(), hs_input.encode(), hashlib.sha256).digest())
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())

    def signed(**changes: Any) -> str:
        return jwt.encode({**claims, **changes}, keys.private_key, algorithm="RS256", headers={"kid": kid})

    without_ver = {k: v for k, v in claims.items() if k != "ver"}
    return {
        "alg none": unsigned({"alg": "none", "typ": "JWT", "kid": kid}, as_admin) + ".",
        "HS256 signed with the public key": f"{hs_input}.{hs_signature}",
        "tampered claims": f"{head}.{b64(json.dumps(as_admin).encode())}.{signature}",
        "unknown kid": jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": "not-a-real-kid"}),
        "right kid, wrong key": jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": kid}),
        "no kid": jwt.encode(claims, keys.private_key, algorithm="RS256"),
        "expired": signed(iat=now - 3600, exp=now - 600),
        "wrong audience": signed(aud="someone-else"),
        "wrong issuer": signed(iss="evil-auth"),
        "role claim raised": signed(role="admin"),
        "old token version": signed(ver=claims["ver"] - 1),
        "missing ver": jwt.encode(without_ver, keys.private_key, algorithm="RS256", headers={"kid": kid}),
        "garbage": "not.a.token",
        "empty segments": "..",
    }


CASES = [
    "alg none",
    "HS256 signed with the public key",
    "tampered claims",
    "unknown kid",
    "right kid, wrong key",
    "no kid",
    "expired",
    "wrong audience",
    "wrong issuer",
    "role claim raised",
    "old token version",
    "missing ver",
    "garbage",
    "empty segments",
]


def test_every_forgery_has_a_case(test_keys: TestKeys) -> None:
    user = Account("00000000-0000-4000-8000-000000000000", "x@example.com", "pw", _sample(test_keys), "r")
    assert sorted(forgeries(user, test_keys)) == sorted(CASES)


def _sample(keys: TestKeys) -> str:
    return TestKeys(kid=rsa_thumbprint(keys.public_key), private_key=keys.private_key).mint(
        "00000000-0000-4000-8000-000000000000", version=3
    )


@pytest.mark.parametrize("case", CASES)
async def test_forged_tokens_are_refused(client: AsyncClient, test_keys: TestKeys, case: str) -> None:
    user = await new_user(client)
    token = forgeries(user, test_keys)[case]

    for method, path in (("GET", "/auth/me"), ("GET", "/auth/users"), ("POST", "/auth/logout")):
        response = await client.request(method, path, headers=bearer(token))
        assert response.status_code == 401, (case, path, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["content-type"] == "application/problem+json"
    # The genuine token still works: nothing above was a logout.
    assert (await client.get("/auth/me", headers=user.headers)).status_code == 200


async def test_a_token_for_a_deleted_or_unknown_account_is_refused(
    client: AsyncClient, test_keys: TestKeys
) -> None:
    kid = rsa_thumbprint(test_keys.public_key)
    ghost = TestKeys(kid=kid, private_key=test_keys.private_key).mint(
        "6f1c6a9e-0000-4000-8000-000000000000", "admin"
    )
    not_a_uuid = TestKeys(kid=kid, private_key=test_keys.private_key).mint("not-a-uuid", "admin")

    assert (await client.get("/auth/users", headers=bearer(ghost))).status_code == 401
    assert (await client.get("/auth/users", headers=bearer(not_a_uuid))).status_code == 401
