"""The client's address behind the platform's own proxies, for per-client limits.

X-Forwarded-For is believed only when the direct peer is a configured proxy (TRUSTED_PROXIES:
the gateway, nginx); otherwise anyone could pick a fresh address for every request. Read from
the right, each entry was added by the hop before it: the first one that is not itself a
trusted proxy is the client (an entry a client wrote itself sits further left and is never
reached).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(value: str) -> tuple[Network, ...]:
    """`"127.0.0.1,::1,10.0.0.0/8"` → networks; ValueError names what is wrong."""
    try:
        return tuple(
            ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()
        )
    except ValueError as exc:
        raise ValueError(f"TRUSTED_PROXIES must list IP addresses or networks: {exc}") from exc


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str | None:
    if not peer:
        return None
    try:
        client: Address = ipaddress.ip_address(peer)
    except ValueError:
        return peer

    def is_trusted(address: Address) -> bool:
        return any(address in network for network in trusted)

    if not forwarded_for or not is_trusted(client):
        return str(client)
    for entry in reversed(forwarded_for.split(",")):
        try:
            client = ipaddress.ip_address(entry.strip())
        except ValueError:
            break  # unreadable: the last hop a trusted proxy named stands
        if not is_trusted(client):
            break
    return str(client)
