"""Which operations need no access token at the gateway (DESIGN.md §4).

Everything else needs a valid bearer token. A token that comes with a public operation is
still checked: registering as admin carries an admin's token, and a bad token is never
treated as no token.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PublicOperation:
    method: str
    path: str


class AccessRules:
    def __init__(self, operations: Iterable[PublicOperation], open_prefixes: Iterable[str] = ()) -> None:
        self.operations = frozenset(operations)
        self.open_prefixes = tuple(open_prefixes)
        for prefix in self.open_prefixes:
            if not prefix.startswith("/") or not prefix.endswith("/"):
                raise ValueError(f"an open prefix looks like '/webhooks/', not {prefix!r}")

    def is_public(self, method: str, path: str) -> bool:
        # HEAD is a GET without the body: public exactly when the GET is.
        method = "GET" if method == "HEAD" else method
        return PublicOperation(method, path) in self.operations or path.startswith(self.open_prefixes)


# Providers post their notifications (Midtrans) and services post signed events under
# /webhooks/: those callers have no user token, and the receiving service checks the signature.
TIKETQ_ACCESS = AccessRules(
    operations=(
        PublicOperation("POST", "/auth/register"),
        PublicOperation("POST", "/auth/login"),
        PublicOperation("POST", "/auth/refresh"),
        PublicOperation("GET", "/auth/.well-known/jwks.json"),
    ),
    open_prefixes=("/webhooks/",),
)

# The gateway's own operations, answered without a token and never forwarded.
GATEWAY_PATHS = frozenset(
    {"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json", "/healthz", "/readyz", "/metrics"}
)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header; None for no or another scheme."""
    if not authorization:
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None
