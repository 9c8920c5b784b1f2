"""Which service answers which public path (docs/architecture.md, the shape), and which paths
never leave the gateway.

The gateway forwards by path prefix; the longest matching prefix wins. Of `/webhooks/` only the
providers' callbacks are public (`/webhooks/midtrans` and `/webhooks/xendit` to payment-service,
`/webhooks/digiflazz` to ppob-service): the signed service-to-service events
(transaction-service's `/webhooks/payment`) travel on the private network and are never routed
from outside. nginx routes the same public prefixes (nginx/nginx.conf; a test compares them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

# `/internal/...` serves service-to-service calls only (docs/architecture.md, HTTP conventions):
# a path with a segment named like this is never forwarded, wherever the segment sits.
INTERNAL_SEGMENT = "internal"
_DOT_SEGMENTS = frozenset({".", ".."})
# Decoding rounds when looking for hidden dot or internal segments (`%252e%252e` is `..` twice encoded).
_MAX_DECODE_ROUNDS = 4


@dataclass(frozen=True, slots=True)
class ServiceRoute:
    """Requests whose path is `prefix` or starts with `prefix + "/"` go to `service`."""

    prefix: str
    service: str

    def __post_init__(self) -> None:
        if not self.prefix.startswith("/") or self.prefix.endswith("/") or "//" in self.prefix:
            raise ValueError(f"a route prefix looks like '/flights', not {self.prefix!r}")
        if inspect_path(self.prefix) is None:
            raise ValueError(f"{self.prefix!r} may never be routed")

    def matches(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")


class RoutingTable:
    """Longest-prefix routing. Routes are grouped by their first segment, so a look-up only
    compares the few prefixes that could match (never more than the table holds)."""

    def __init__(self, routes: Iterable[ServiceRoute]) -> None:
        self.routes: tuple[ServiceRoute, ...] = tuple(routes)
        prefixes = [route.prefix for route in self.routes]
        duplicated = {prefix for prefix in prefixes if prefixes.count(prefix) > 1}
        if duplicated:
            raise ValueError(f"prefixes routed twice: {sorted(duplicated)}")
        by_first: dict[str, list[ServiceRoute]] = {}
        for route in self.routes:
            by_first.setdefault(first_segment(route.prefix), []).append(route)
        self._by_first = {
            first: tuple(sorted(group, key=lambda route: len(route.prefix), reverse=True))
            for first, group in by_first.items()
        }

    @property
    def services(self) -> frozenset[str]:
        return frozenset(route.service for route in self.routes)

    @property
    def first_segments(self) -> frozenset[str]:
        """The first segments of every routed prefix (`auth`, `webhooks`, ...)."""
        return frozenset(self._by_first)

    def service_for(self, path: str) -> str | None:
        """The service for an already inspected path (see `inspect_path`), or None."""
        for route in self._by_first.get(first_segment(path), ()):
            if route.matches(path):
                return route.service
        return None


def first_segment(path: str) -> str:
    """`flights` for `/flights/search`; `` for `/`."""
    end = path.find("/", 1)
    return path[1:] if end == -1 else path[1:end]


def inspect_path(raw_path: str) -> str | None:
    """The path a service will see (percent-decoded once, as its server decodes it), or None when
    the path must never be forwarded: not absolute, or carrying a dot segment (`..`, `%2e%2e`),
    a backslash or NUL, or an `internal` segment — in any case, any encoding, anywhere.
    """
    if not raw_path.startswith("/"):
        return None
    decoded = unquote(raw_path) if "%" in raw_path else raw_path
    # Every decoding round is checked, so an encoding a service might undo twice hides nothing.
    candidate = decoded
    for _ in range(_MAX_DECODE_ROUNDS):
        if _hides_forbidden_segment(candidate):
            return None
        undone = unquote(candidate) if "%" in candidate else candidate
        if undone == candidate:
            return decoded
        candidate = undone
    return None  # still decoding after several rounds: deliberately obfuscated


def _hides_forbidden_segment(path: str) -> bool:
    if "\\" in path or "\x00" in path:
        return True
    for segment in path.split("/"):
        if not segment:
            continue
        # `..;x=1` and `internal;x` are what some servers treat as `..` and `internal`.
        name = segment.split(";", 1)[0].strip().lower()
        if name in _DOT_SEGMENTS or name == INTERNAL_SEGMENT:
            return True
    return False


# The platform's routing table (the service names are devstack/catalog.py's).
TIKETQ_ROUTES: tuple[ServiceRoute, ...] = (
    ServiceRoute("/auth", "auth"),
    ServiceRoute("/users", "user"),
    ServiceRoute("/transactions", "transaction"),
    ServiceRoute("/orders", "transaction"),
    ServiceRoute("/payments", "transaction"),
    ServiceRoute("/reports", "transaction"),
    ServiceRoute("/webhooks/midtrans", "payment"),
    ServiceRoute("/webhooks/xendit", "payment"),
    ServiceRoute("/webhooks/digiflazz", "ppob"),
    ServiceRoute("/flights", "flights"),
    ServiceRoute("/ferries", "ferries"),
    ServiceRoute("/hotels", "hotels"),
    ServiceRoute("/ppob", "ppob"),
    ServiceRoute("/notifications", "notification"),
)
