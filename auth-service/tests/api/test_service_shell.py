"""The shell every service has (testkit/service_shell.py), plus auth-service's public keys."""

from __future__ import annotations

import httpx

from adapters.signing import rsa_thumbprint
from testkit.keys import TestKeys
from testkit.service_shell import ServiceShellContract


class TestServiceShell(ServiceShellContract):
    pass


async def test_jwks_publishes_the_signing_key_under_its_thumbprint(
    client: httpx.AsyncClient, test_keys: TestKeys
) -> None:
    response = await client.get("/auth/.well-known/jwks.json")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    (key,) = response.json()["keys"]
    assert key["kid"] == rsa_thumbprint(test_keys.public_key)
    assert (key["kty"], key["alg"], key["use"]) == ("RSA", "RS256", "sig")
    assert "d" not in key  # never the private part
