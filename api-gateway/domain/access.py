"""Which operations need no access token at the gateway (docs/architecture.md, identity and RBAC).

Everything else needs a valid bearer token. On a public operation whose answer depends on
who asks (registering an admin carries an admin's token) a token that comes along is still
checked, and a bad one is never treated as no token. On the others (login, refresh, the JWKS,
webhooks) the token means nothing and is not checked: a client that still attaches its expired
access token must be able to refresh it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PublicOperation:
    method: str
    path: str
    # True where the caller's identity changes the answer, so a token that comes is verified.
    identity_matters: bool = False


class AccessRules:
    """Public operations by method and path; a `{name}` segment matches any one segment
    (`/flights/offers/{offer_id}`). Exact paths are a dict look-up; templates are few, and only
    those of the same method and number of segments are tried (every request that needs a token
    looks here first)."""

    def __init__(self, operations: Iterable[PublicOperation], open_prefixes: Iterable[str] = ()) -> None:
        self.operations: dict[tuple[str, str], PublicOperation] = {}
        # (method, number of segments) -> the templates with those, in the order given
        self.templates: dict[tuple[str, int], list[tuple[tuple[str, ...], PublicOperation]]] = {}
        for op in operations:
            if "{" in op.path:
                template = tuple(op.path.split("/"))
                self.templates.setdefault((op.method, len(template)), []).append((template, op))
            else:
                self.operations[(op.method, op.path)] = op
        self.open_prefixes = tuple(open_prefixes)
        for prefix in self.open_prefixes:
            if not prefix.startswith("/") or not prefix.endswith("/"):
                raise ValueError(f"an open prefix looks like '/webhooks/', not {prefix!r}")

    def _operation(self, method: str, path: str) -> PublicOperation | None:
        # HEAD is a GET without the body: public exactly when the GET is.
        method = "GET" if method == "HEAD" else method
        found = self.operations.get((method, path))
        if found is not None:
            return found
        templates = self.templates.get((method, path.count("/") + 1))
        if templates is None:
            return None
        segments = path.split("/")
        for template, op in templates:
            if _matches(template, segments):
                return op
        return None

    def is_public(self, method: str, path: str) -> bool:
        return self._operation(method, path) is not None or path.startswith(self.open_prefixes)

    def checks_token(self, method: str, path: str) -> bool:
        """Whether a bearer token that comes with this operation must be verified."""
        operation = self._operation(method, path)
        if operation is not None:
            return operation.identity_matters
        return not path.startswith(self.open_prefixes)


def _matches(template: tuple[str, ...], segments: list[str]) -> bool:
    return all(t == s or (t.startswith("{") and s != "") for t, s in zip(template, segments, strict=True))


# Providers post their notifications (Midtrans, Xendit, the PPOB aggregator) under /webhooks/:
# those callers have no user token, and the receiving service checks the signature (or token). Which webhooks
# are reachable at all is the routing table's say (domain/routing.py): only the providers' ones.
TIKETQ_ACCESS = AccessRules(
    operations=(
        PublicOperation("POST", "/auth/register", identity_matters=True),
        PublicOperation("POST", "/auth/login"),
        PublicOperation("POST", "/auth/refresh"),
        PublicOperation("GET", "/auth/.well-known/jwks.json"),
        # Browsing flights needs no account: searching, looking at and re-pricing an offer.
        PublicOperation("GET", "/flights/airports"),
        PublicOperation("GET", "/flights/search"),
        PublicOperation("GET", "/flights/offers/{offer_id}"),
        PublicOperation("POST", "/flights/offers/{offer_id}/price"),
        # Browsing ferries needs no account either: ports, routes and sailing search.
        PublicOperation("GET", "/ferries/ports"),
        PublicOperation("GET", "/ferries/routes"),
        PublicOperation("GET", "/ferries/search"),
        # Browsing hotels needs no account: destinations, availability and a hotel's details.
        PublicOperation("GET", "/hotels/destinations"),
        PublicOperation("GET", "/hotels/search"),
        PublicOperation("GET", "/hotels/{hotel_id}"),
        # PPOB browsing needs no account: the catalogue and quotes (a meter's owner, a bill).
        PublicOperation("GET", "/ppob/products"),
        PublicOperation("POST", "/ppob/inquiries"),
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
