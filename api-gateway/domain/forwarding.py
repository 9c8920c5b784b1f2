"""Which headers cross the gateway, in each direction (RFC 9110 §7.6.1).

Hop-by-hop headers describe one connection and stop here. Identity headers from outside are
dropped: no service trusts them (each verifies the token itself), and dropping them means none
ever sees a forged one. Headers are ASGI-shaped: (lower-case name, value) byte pairs, as the
server hands them over.
"""

from __future__ import annotations

from collections.abc import Iterable

Header = tuple[bytes, bytes]

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"transfer-encoding",
        b"te",
        b"trailer",
        b"upgrade",
        b"host",  # the upstream's own host is set by the client
        b"content-length",  # recomputed for the body actually sent
    }
)
_PROXY_PREFIX = b"proxy-"  # Proxy-Authorization, Proxy-Authenticate, Proxy-Connection
_IDENTITY_PREFIX = b"x-user-"
_INTERNAL_TOKEN = b"x-internal-token"
# Set by the gateway itself, from what it knows about this hop.
_GATEWAY_SET = frozenset({b"x-request-id", b"x-forwarded-for", b"x-forwarded-proto", b"x-forwarded-host"})
# The upstream server adds its own; passing them on would duplicate ours.
_SERVER_SET = frozenset({b"date", b"server"})
# Optional whitespace around a field value is not part of it (RFC 9110 §5.5); an HTTP client
# refuses to send a value that still carries it, so it is cut off here.
_OPTIONAL_WHITESPACE = b" \t"
# Control characters other than HTAB can never be part of a field value (RFC 9110 §5.5). A value
# holds one when deleting them shortens it: one pass in C (0.7 µs for a bearer token's ~700
# bytes, where a set test per byte took 7.7 µs, ~4% of a forwarded request's CPU).
_FORBIDDEN_IN_VALUE = bytes([*range(0x00, 0x09), *range(0x0A, 0x20), 0x7F])


class InvalidHeaderValue(ValueError):
    """A request header whose value no HTTP message may carry; the caller sent bad bytes."""

    def __init__(self, name: bytes) -> None:
        super().__init__(f"header {name.decode('latin-1')!r} has a character no header value may hold")
        self.name = name.decode("latin-1")


def normalised_value(name: bytes, value: bytes) -> bytes:
    """The value without its optional surrounding whitespace (`Bearer ` is `Bearer`);
    `InvalidHeaderValue` when a control character remains."""
    value = value.strip(_OPTIONAL_WHITESPACE)
    if len(value.translate(None, _FORBIDDEN_IN_VALUE)) != len(value):
        raise InvalidHeaderValue(name)
    return value


def _connection_tokens(value: bytes) -> set[bytes]:
    """Headers a sender named in `Connection` are hop-by-hop too."""
    return {token.strip().lower() for token in value.split(b",") if token.strip()}


def _is_hop_by_hop(name: bytes) -> bool:
    return name in HOP_BY_HOP or name.startswith(_PROXY_PREFIX)


def upstream_request_headers(
    headers: Iterable[Header],
    *,
    client_host: str | None,
    scheme: str,
    request_id: str | None,
) -> list[Header]:
    """The headers to send upstream: the client's (values normalised, see `normalised_value`),
    minus hop-by-hop and identity headers, plus X-Request-ID, X-Forwarded-For, -Proto and -Host.

    X-Forwarded-For is replaced, never appended to: it carries only `client_host`, the address
    the server resolved (the peer itself, or the client a trusted proxy such as nginx named, per
    uvicorn's --forwarded-allow-ips). A caller-invented X-Forwarded-For would otherwise reach
    auth-service and dodge its per-address login throttle."""
    out: list[Header] = []
    host: bytes | None = None
    named_by_connection: set[bytes] = set()
    for name, raw_value in headers:
        value = normalised_value(name, raw_value)
        if name in _GATEWAY_SET or _is_hop_by_hop(name):
            if name == b"host":
                host = value
            elif name == b"connection":
                named_by_connection |= _connection_tokens(value)
            continue
        if name.startswith(_IDENTITY_PREFIX) or name == _INTERNAL_TOKEN:
            continue
        out.append((name, value))
    if named_by_connection:
        out = [(name, value) for name, value in out if name not in named_by_connection]
    if client_host:
        out.append((b"x-forwarded-for", client_host.encode("latin-1")))
    out.append((b"x-forwarded-proto", scheme.encode("latin-1")))
    if host:
        out.append((b"x-forwarded-host", host))
    if request_id:
        out.append((b"x-request-id", request_id.encode("latin-1")))
    return out


def client_response_headers(headers: Iterable[Header], *, upstream_origin: bytes = b"") -> list[Header]:
    """The upstream's response headers for the caller, minus hop-by-hop ones (the body length
    is set again for the body we send). A redirect to the upstream's own address becomes
    relative, so internal addresses never leak."""
    out: list[Header] = []
    named_by_connection: set[bytes] = set()
    for raw_name, value in headers:
        name = raw_name.lower()
        if _is_hop_by_hop(name) or name in _SERVER_SET:
            if name == b"connection":
                named_by_connection |= _connection_tokens(value)
            continue
        if name == b"location" and upstream_origin:
            value = _relative_to(value, upstream_origin)
        out.append((name, value))
    if named_by_connection:
        out = [(name, value) for name, value in out if name not in named_by_connection]
    return out


def _relative_to(location: bytes, origin: bytes) -> bytes:
    if not location.startswith(origin):
        return location
    rest = location[len(origin) :]
    if not rest:
        return b"/"
    if rest.startswith(b"/"):
        return rest
    if rest.startswith(b"?"):
        return b"/" + rest
    return location  # another host that merely starts alike (`:80031`)
