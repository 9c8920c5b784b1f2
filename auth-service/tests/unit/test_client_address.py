from __future__ import annotations

import pytest

from routes.deps import client_address


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "expected"),
    [
        ("127.0.0.1", "203.0.113.7, 10.0.0.2", "203.0.113.7"),  # the gateway on loopback
        ("10.1.2.3", "203.0.113.7", "203.0.113.7"),  # the gateway on a private network
        ("::1", "2001:db8::1", "2001:db8::1"),
        ("93.184.216.34", "203.0.113.7", "93.184.216.34"),  # a public peer cannot choose its address
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "not-an-ip, 1.2.3.4", "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
        (None, "203.0.113.7", None),
        ("testclient", None, "testclient"),
    ],
)
def test_client_address(peer: str | None, forwarded_for: str | None, expected: str | None) -> None:
    assert client_address(peer, forwarded_for) == expected
