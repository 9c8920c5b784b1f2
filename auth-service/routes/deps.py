"""What handlers receive: the use cases (built in app.py's lifespan), the caller, the client address."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from domain.administration import AccountAdministration
from domain.models import Actor, Role
from domain.registration import Registration
from domain.sessions import Sessions
from shared.client_address import Network, client_address
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


async def get_client_ip(request: Request) -> str | None:
    """The address sign-in attempts are counted against: X-Forwarded-For only from
    TRUSTED_PROXIES (shared.client_address)."""
    peer = request.client.host if request.client else None
    trusted: Sequence[Network] = request.app.state.trusted_proxies
    return client_address(peer, request.headers.get("x-forwarded-for"), trusted)


ClientIp = Annotated[str | None, Depends(get_client_ip)]
