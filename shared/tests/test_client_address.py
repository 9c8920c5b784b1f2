"""Which address a per-client limit counts: X-Forwarded-For only from a trusted proxy."""

from __future__ import annotations

import pytest

from shared.client_address import client_address, parse_networks

GATEWAY = parse_networks("127.0.0.1,::1,10.0.0.0/8")


def test_a_direct_client_is_its_peer_whatever_it_claims() -> None:
    assert client_address("203.0.113.7", "198.51.100.1", GATEWAY) == "203.0.113.7"
    assert client_address("203.0.113.7", None, GATEWAY) == "203.0.113.7"


def test_behind_trusted_proxies_the_first_untrusted_hop_from_the_right_is_the_client() -> None:
    assert client_address("127.0.0.1", "203.0.113.7", GATEWAY) == "203.0.113.7"
    # The client's own invented entry sits further left and is never reached.
    assert client_address("127.0.0.1", "1.2.3.4, 203.0.113.7, 10.1.2.3", GATEWAY) == "203.0.113.7"
    # Garbage ends the walk at the last address a trusted proxy named.
    assert client_address("127.0.0.1", "n\xb2pe, 10.1.2.3", GATEWAY) == "10.1.2.3"


def test_no_peer_is_no_address_and_bad_proxy_lists_are_refused() -> None:
    assert client_address(None, "203.0.113.7", GATEWAY) is None
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        parse_networks("gateway")
