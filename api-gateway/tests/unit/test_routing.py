"""The routing table: which service answers which path, and which paths never leave the gateway."""

from __future__ import annotations

import pytest

from domain.routing import TIKETQ_ROUTES, RoutingTable, ServiceRoute, inspect_path


@pytest.fixture
def table() -> RoutingTable:
    return RoutingTable(TIKETQ_ROUTES)


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/auth/login", "auth"),
        ("/auth/.well-known/jwks.json", "auth"),
        ("/auth", "auth"),
        ("/users/", "user"),
        ("/users/3f1c/addresses", "user"),
        ("/transactions/42", "transaction"),
        ("/orders", "transaction"),
        ("/payments/abc/refunds", "transaction"),
        ("/reports/daily", "transaction"),
        ("/webhooks/midtrans", "payment"),
        ("/webhooks/digiflazz", "ppob"),
        ("/webhooks/midtrans/notification", "payment"),
        ("/flights/search", "flights"),
        ("/ferries/search", "ferries"),
        ("/hotels/search", "hotels"),
        ("/ppob/products", "ppob"),
    ],
)
def test_each_prefix_goes_to_its_service(table: RoutingTable, path: str, service: str) -> None:
    assert table.service_for(path) == service


@pytest.mark.parametrize(
    "path",
    ["/", "/authx", "/auth-service/me", "/flightsearch", "/Flights/search", "/docs", "/metrics"],
)
def test_paths_outside_the_table_go_nowhere(table: RoutingTable, path: str) -> None:
    assert table.service_for(path) is None


@pytest.mark.parametrize(
    "path", ["/webhooks", "/webhooks/payment", "/webhooks/midtransx", "/webhooks/anything"]
)
def test_only_the_providers_webhooks_are_routed(table: RoutingTable, path: str) -> None:
    # transaction-service's signed payment events come from payment-service on the private
    # network; from outside, only the providers' callbacks reach a service.
    assert table.service_for(path) is None


def test_longest_prefix_wins_whatever_the_order() -> None:
    table = RoutingTable(
        [ServiceRoute("/a/b/c", "deep"), ServiceRoute("/a", "top"), ServiceRoute("/a/b", "mid")]
    )
    assert table.service_for("/a/b/c/d") == "deep"
    assert table.service_for("/a/b/x") == "mid"
    assert table.service_for("/a/x") == "top"


def test_table_names_every_platform_service(table: RoutingTable) -> None:
    assert table.services == {
        "auth",
        "user",
        "transaction",
        "flights",
        "ferries",
        "hotels",
        "ppob",
        "payment",
        "notification",
    }


@pytest.mark.parametrize("prefix", ["flights", "/flights/", "/internal", "/x/../y", "/a//b"])
def test_malformed_or_internal_prefixes_are_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match=r"prefix|routed"):
        ServiceRoute(prefix, "x")


def test_a_prefix_routed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        RoutingTable([ServiceRoute("/a", "x"), ServiceRoute("/a", "y")])


@pytest.mark.parametrize(
    ("raw", "seen_by_service"),
    [
        ("/flights/search", "/flights/search"),
        ("/auth/.well-known/jwks.json", "/auth/.well-known/jwks.json"),
        ("/auth/log%69n", "/auth/login"),
        ("/webhooks%2Fpayment", "/webhooks/payment"),
        ("/hotels/search/100%25", "/hotels/search/100%"),
        ("/hotels/name/a%20b", "/hotels/name/a b"),
        ("/users//x", "/users//x"),
    ],
)
def test_path_is_decoded_once_as_the_service_will_see_it(raw: str, seen_by_service: str) -> None:
    assert inspect_path(raw) == seen_by_service


@pytest.mark.parametrize(
    "raw",
    [
        "/internal/accounts/1",
        "/INTERNAL/accounts/1",
        "/auth/internal/accounts/1",
        "/auth/Internal;x=1/accounts",
        "/%69nternal/accounts/1",
        "/auth/%2569nternal/x",
        "/flights/../internal/accounts",
        "/flights/..",
        "/flights/./search",
        "/flights/%2e%2e/auth/me",
        "/flights/%2E%2E/auth/me",
        "/flights/.%2e/auth/me",
        "/flights/%252e%252e/auth/me",
        "/flights%2f..%2finternal",
        "/flights/..;/internal",
        "/flights\\..\\auth",
        "/flights/%5c..",
        "/flights/%00",
        "flights/search",
        "",
    ],
)
def test_dot_segments_internal_segments_and_their_encodings_are_never_forwarded(raw: str) -> None:
    assert inspect_path(raw) is None


def test_endlessly_encoded_path_is_refused() -> None:
    # `%25` is an encoded `%`: this is `.` encoded ten times over.
    assert inspect_path("/flights/%" + "25" * 9 + "2e%" + "25" * 9 + "2e/auth") is None
