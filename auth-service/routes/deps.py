"""What handlers receive: the use cases (built in app.py's lifespan), the caller, the client address."""

from __future__ import annotations

import ipaddress
import uuid
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


def client_address(peer: str | None, forwarded_for: str | None) -> str | None:
    """The address sign-in failures are counted against.

    X-Forwarded-For is believed only when the direct peer is on a loopback or private network
    (the gateway); otherwise anyone could pick a fresh address for every guess.
    """
    if not peer:
        return None
    try:
        peer_ip = ipaddress.ip_address(peer)
    except ValueError:
        return peer
    if (peer_ip.is_loopback or peer_ip.is_private) and forwarded_for:
        first = forwarded_for.split(",", 1)[0].strip()
        try:
            return str(ipaddress.ip_address(first))
        except ValueError:
            pass
    return str(peer_ip)


async def get_client_ip(request: Request) -> str | None:
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.get("x-forwarded-for"))


ClientIp = Annotated[str | None, Depends(get_client_ip)]
