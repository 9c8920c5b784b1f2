"""Which operations pass the gateway without a token (docs/architecture.md, identity and RBAC)."""

from __future__ import annotations

import pytest

from domain.access import TIKETQ_ACCESS, AccessRules, PublicOperation, bearer_token


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/auth/register"),
        ("POST", "/auth/login"),
        ("POST", "/auth/refresh"),
        ("GET", "/auth/.well-known/jwks.json"),
        ("HEAD", "/auth/.well-known/jwks.json"),
        ("POST", "/webhooks/midtrans"),
        ("POST", "/webhooks/digiflazz"),
        ("GET", "/ppob/products"),
        ("POST", "/ppob/inquiries"),
        ("GET", "/webhooks/anything/below"),
    ],
)
def test_public_operations(method: str, path: str) -> None:
    assert TIKETQ_ACCESS.is_public(method, path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/auth/me"),
        ("GET", "/auth/register"),
        ("GET", "/auth/login"),
        ("POST", "/auth/login/"),
        ("POST", "/auth/logout"),
        ("PUT", "/auth/users/1/role"),
        ("POST", "/auth/.well-known/jwks.json"),
        ("GET", "/users/1"),
        ("POST", "/flights/bookings"),
        ("GET", "/ppob/balance"),
        ("PUT", "/ppob/settings/margin"),
        ("POST", "/orders"),
        ("GET", "/webhooks"),
        ("OPTIONS", "/orders"),
    ],
)
def test_everything_else_needs_a_token(method: str, path: str) -> None:
    assert not TIKETQ_ACCESS.is_public(method, path)


def test_open_prefixes_must_end_with_a_slash() -> None:
    with pytest.raises(ValueError, match="open prefix"):
        AccessRules([PublicOperation("GET", "/x")], open_prefixes=["/webhooks"])


@pytest.mark.parametrize(
    ("header", "token"),
    [
        ("Bearer abc.def.ghi", "abc.def.ghi"),
        ("bearer abc", "abc"),
        ("BEARER   abc  ", "abc"),
        ("Bearer", None),
        ("Bearer ", None),
        ("Basic dXNlcjpwYXNz", None),
        ("", None),
        (None, None),
    ],
)
def test_bearer_token_is_read_from_the_authorization_header(header: str | None, token: str | None) -> None:
    assert bearer_token(header) == token


@pytest.mark.parametrize(
    ("method", "path", "checked"),
    [
        ("POST", "/auth/register", True),  # who registers decides whether "role": "admin" is allowed
        ("POST", "/auth/login", False),
        ("POST", "/auth/refresh", False),  # a client still holding its expired access token must refresh
        ("GET", "/auth/.well-known/jwks.json", False),
        ("HEAD", "/auth/.well-known/jwks.json", False),
        ("POST", "/webhooks/midtrans", False),
        ("GET", "/auth/me", True),
        ("GET", "/users/", True),
    ],
)
def test_a_token_is_verified_only_where_identity_matters(method: str, path: str, checked: bool) -> None:
    assert TIKETQ_ACCESS.checks_token(method, path) is checked


@pytest.mark.parametrize(
    ("method", "path", "public"),
    [
        ("GET", "/flights/search", True),
        ("GET", "/flights/airports", True),
        ("GET", "/flights/offers/eyJ2IjoxfQ", True),
        ("HEAD", "/flights/offers/eyJ2IjoxfQ", True),
        ("POST", "/flights/offers/eyJ2IjoxfQ/price", True),
        ("GET", "/flights/offers/", False),  # an empty segment is no offer id
        ("GET", "/flights/offers/a/b", False),
        ("DELETE", "/flights/offers/eyJ2IjoxfQ", False),
        ("POST", "/flights/bookings", False),
    ],
)
def test_browsing_flights_is_public_and_nothing_more(method: str, path: str, public: bool) -> None:
    assert TIKETQ_ACCESS.is_public(method, path) is public


@pytest.mark.parametrize(
    ("method", "path", "public"),
    [
        ("GET", "/ferries/ports", True),
        ("GET", "/ferries/routes", True),
        ("GET", "/ferries/search", True),
        ("HEAD", "/ferries/search", True),
        ("POST", "/ferries/search", False),
        ("GET", "/ferries/bookings", False),
        ("POST", "/internal/bookings", False),
    ],
)
def test_browsing_ferries_is_public_and_nothing_more(method: str, path: str, public: bool) -> None:
    assert TIKETQ_ACCESS.is_public(method, path) is public


@pytest.mark.parametrize(
    ("method", "path", "public"),
    [
        ("GET", "/hotels/destinations", True),
        ("GET", "/hotels/search", True),
        ("GET", "/hotels/612002", True),
        ("HEAD", "/hotels/search", True),
        ("POST", "/hotels/search", False),
        ("GET", "/hotels/612002/rooms", False),
        ("DELETE", "/hotels/612002", False),
    ],
)
def test_browsing_hotels_is_public_and_nothing_more(method: str, path: str, public: bool) -> None:
    assert TIKETQ_ACCESS.is_public(method, path) is public
