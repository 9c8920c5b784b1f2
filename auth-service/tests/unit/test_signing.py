"""Key ids, JWKS and access tokens as verifiers (shared.tokens, the gateway) expect them."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import RSAAlgorithm

from adapters.signing import JwtAccessTokenIssuer, SigningKey, UnusableSigningKey, jwks, rsa_thumbprint
from domain.models import Account, Role
from shared.tokens import AccountState, StaticKeySource, TokenVerifier
from testkit.keys import TestKeys


def _int(b64url: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(b64url + "=" * (-len(b64url) % 4)), "big")


def test_thumbprint_matches_the_rfc_7638_example() -> None:
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs"
        "tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5"
        "hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )
    key = rsa.RSAPublicNumbers(_int("AQAB"), _int(n)).public_key()

    assert rsa_thumbprint(key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_the_jwks_round_trips_to_the_same_public_key(test_keys: TestKeys) -> None:
    key = SigningKey.from_pem(test_keys.private_pem())
    (jwk,) = jwks([key])["keys"]

    loaded = RSAAlgorithm.from_jwk(jwk)

    assert isinstance(loaded, rsa.RSAPublicKey)
    assert loaded.public_numbers() == test_keys.public_key.public_numbers()
    assert jwk["kid"] == key.kid == rsa_thumbprint(test_keys.public_key)


def test_unusable_keys_are_refused_with_a_clear_message() -> None:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (refused below)
    curve = ec.generate_private_key(ec.SECP256R1())
    pems = [
        k.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        for k in (small, curve)
    ]
    for pem in [*pems, b"change-me", b""]:
        with pytest.raises(UnusableSigningKey):
            SigningKey.from_pem(pem)


class OneAccount:
    def __init__(self, state: AccountState) -> None:
        self.state = state

    async def get(self, account_id: str) -> AccountState | None:
        return self.state


async def test_issued_tokens_pass_the_platform_verifier(test_keys: TestKeys) -> None:
    key = SigningKey.from_pem(test_keys.private_pem())
    now = datetime.now(UTC)
    account = Account.register("budi@example.com", "h", Role.ADMIN, now)
    account.token_version = 7
    issuer = JwtAccessTokenIssuer(key, issuer="tiketq-auth", audience="tiketq-api", ttl_seconds=900)
    verifier = TokenVerifier(
        StaticKeySource({key.kid: key.public_key}),
        OneAccount(AccountState(role="admin", is_active=True, token_version=7)),
        issuer="tiketq-auth",
        audience="tiketq-api",
    )

    issued = issuer.issue(account, now)
    principal = await verifier.verify(issued.token)

    assert issued.expires_in == 900
    assert principal.account_id == str(account.id)
    assert principal.role == "admin"
    assert principal.token_version == 7
    assert principal.expires_at == int(now.timestamp()) + 900
