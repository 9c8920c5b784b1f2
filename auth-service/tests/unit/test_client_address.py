from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network

import pytest

from config import parse_networks
from routes.deps import client_address

LOCAL = parse_networks("127.0.0.1,::1")
GATEWAY_NET = parse_networks("10.0.0.0/24")
Networks = tuple[IPv4Network | IPv6Network, ...]


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "expected"),
    [
        ("127.0.0.1", "203.0.113.7", LOCAL, "203.0.113.7"),  # the gateway on loopback (make dev)
        ("::1", "2001:db8::1", LOCAL, "2001:db8::1"),
        ("10.0.0.5", "203.0.113.7", GATEWAY_NET, "203.0.113.7"),  # the gateway in its network
        # A private peer that is not a configured proxy names nobody: its own address counts.
        ("10.1.2.3", "203.0.113.7", LOCAL, "10.1.2.3"),
        ("192.168.1.20", "203.0.113.7", GATEWAY_NET, "192.168.1.20"),
        ("93.184.216.34", "203.0.113.7", LOCAL, "93.184.216.34"),  # a public peer cannot choose
        # What a client wrote itself sits left of what the proxies added: never reached.
        ("127.0.0.1", "1.2.3.4, 203.0.113.7", LOCAL, "203.0.113.7"),
        ("10.0.0.5", "1.2.3.4, 203.0.113.7, 10.0.0.9", GATEWAY_NET, "203.0.113.7"),
        ("127.0.0.1", "127.0.0.1", LOCAL, "127.0.0.1"),  # a client on the gateway's own host
        ("127.0.0.1", None, LOCAL, "127.0.0.1"),
        ("127.0.0.1", "", LOCAL, "127.0.0.1"),
        ("127.0.0.1", "not-an-ip", LOCAL, "127.0.0.1"),
        ("127.0.0.1", "1.2.3.4, not-an-ip", LOCAL, "127.0.0.1"),
        ("127.0.0.1", "203.0.113.7", (), "127.0.0.1"),  # no proxies configured: nobody is believed
        (None, "203.0.113.7", LOCAL, None),
        ("testclient", None, LOCAL, "testclient"),
    ],
)
def test_client_address(
    peer: str | None, forwarded_for: str | None, trusted: Networks, expected: str | None
) -> None:
    assert client_address(peer, forwarded_for, trusted) == expected


def test_trusted_proxies_are_addresses_or_networks() -> None:
    assert parse_networks(" 10.0.0.0/8 , ::1,127.0.0.1") == (
        ip_network("10.0.0.0/8"),
        ip_network("::1"),
        ip_network("127.0.0.1"),
    )
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        parse_networks("10.0.0.0/8, gateway")
