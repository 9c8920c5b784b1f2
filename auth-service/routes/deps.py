"""What handlers receive: the use cases (built in app.py's lifespan), the caller, the client address."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from domain.administration import AccountAdministration
from domain.models import Actor, Role
from domain.registration import Registration
from domain.sessions import Sessions
from shared.tokens import Principal


@dataclass(frozen=True)
class AuthServices:
    registration: Registration
    sessions: Sessions
    administration: AccountAdministration


async def get_services(request: Request) -> AuthServices:
    services: AuthServices = request.app.state.services
    return services


Services = Annotated[AuthServices, Depends(get_services)]


def actor_of(principal: Principal) -> Actor:
    return Actor(account_id=uuid.UUID(principal.account_id), role=Role(principal.role))


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(peer: str | None, forwarded_for: str | None, trusted: Sequence[Network]) -> str | None:
    """The address sign-in attempts are counted against.

    X-Forwarded-For is believed only when the direct peer is a configured proxy (TRUSTED_PROXIES:
    the gateway); otherwise anyone could pick a fresh address for every guess. Read from the
    right, each entry was added by the hop before it: the first one that is not itself a trusted
    proxy is the client (an entry a client wrote itself sits further left and is never reached).
    """
    if not peer:
        return None
    try:
        client = ipaddress.ip_address(peer)
    except ValueError:
        return peer

    def is_trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
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


async def get_client_ip(request: Request) -> str | None:
    peer = request.client.host if request.client else None
    trusted: Sequence[Network] = request.app.state.trusted_proxies
    return client_address(peer, request.headers.get("x-forwarded-for"), trusted)


ClientIp = Annotated[str | None, Depends(get_client_ip)]
