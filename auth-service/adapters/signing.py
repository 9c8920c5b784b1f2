"""The RS256 key auth-service signs access tokens with, its JWKS, and the token issuer.

The key id is the RFC 7638 JWK thumbprint of the public key: stable across restarts and
processes for one key, different for the next key, so verifiers can tell them apart during a
rotation without any bookkeeping.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from domain.models import AccessToken, Account

ALGORITHM = "RS256"
MIN_KEY_BITS = 2048


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def rsa_thumbprint(public_key: rsa.RSAPublicKey) -> str:
    """RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace."""
    numbers = public_key.public_numbers()
    canonical = json.dumps(
        {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)},
        separators=(",", ":"),
        sort_keys=True,
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class UnusableSigningKey(ValueError):
    pass


@dataclass(frozen=True)
class SigningKey:
    private_key: rsa.RSAPrivateKey
    kid: str

    @classmethod
    def from_pem(cls, pem: str | bytes) -> SigningKey:
        data = pem.encode() if isinstance(pem, str) else pem
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise UnusableSigningKey("JWT_PRIVATE_KEY is not an unencrypted PEM private key") from exc
        if not isinstance(key, rsa.RSAPrivateKey):
            raise UnusableSigningKey("JWT_PRIVATE_KEY must be an RSA key (tokens are RS256)")
        if key.key_size < MIN_KEY_BITS:
            raise UnusableSigningKey(f"JWT_PRIVATE_KEY must have at least {MIN_KEY_BITS} bits")
        return cls(key, rsa_thumbprint(key.public_key()))

    @classmethod
    def generate(cls) -> SigningKey:
        """A throwaway key for local runs without JWT_PRIVATE_KEY (never outside local/test)."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=MIN_KEY_BITS)
        return cls(key, rsa_thumbprint(key.public_key()))

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def public_jwk(self) -> dict[str, str]:
        numbers = self.public_key.public_numbers()
        return {
            "kty": "RSA",
            "use": "sig",
            "alg": ALGORITHM,
            "kid": self.kid,
            "n": _b64url_uint(numbers.n),
            "e": _b64url_uint(numbers.e),
        }


def jwks(keys: list[SigningKey]) -> dict[str, list[dict[str, str]]]:
    return {"keys": [key.public_jwk() for key in keys]}


class JwtAccessTokenIssuer:
    """Access tokens exactly as shared.tokens expects them (docs/architecture.md, identity and RBAC)."""

    def __init__(self, key: SigningKey, *, issuer: str, audience: str, ttl_seconds: int) -> None:
        self._key = key
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl_seconds

    def issue(self, account: Account, now: datetime) -> AccessToken:
        issued_at = int(now.timestamp())
        claims: dict[str, Any] = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": str(account.id),
            "role": account.role.value,
            "jti": uuid.uuid4().hex,
            "iat": issued_at,
            "exp": issued_at + self._ttl,
            "ver": account.token_version,
        }
        token = jwt.encode(claims, self._key.private_key, algorithm=ALGORITHM, headers={"kid": self._key.kid})
        return AccessToken(token=token, expires_in=self._ttl)
