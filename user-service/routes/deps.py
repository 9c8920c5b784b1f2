"""Annotated dependencies the handlers share: who is calling, and the use cases from app.state."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from domain.account_events import AccountEventConsumer
from domain.models import Actor
from domain.services import ProfileService
from shared.security import AdminPrincipal, CurrentPrincipal, unauthorized
from shared.tokens import Principal


def _actor(principal: Principal) -> Actor:
    try:
        account_id = UUID(principal.account_id)
    except ValueError as exc:  # auth-service only issues UUID subjects
        raise unauthorized() from exc
    return Actor(account_id=account_id, is_admin=principal.is_admin)


async def caller(principal: CurrentPrincipal) -> Actor:
    return _actor(principal)


async def admin_caller(principal: AdminPrincipal) -> Actor:
    return _actor(principal)


async def profile_service(request: Request) -> ProfileService:
    service: ProfileService = request.app.state.profile_service
    return service


async def account_event_consumer(request: Request) -> AccountEventConsumer:
    consumer: AccountEventConsumer = request.app.state.account_events
    return consumer


Caller = Annotated[Actor, Depends(caller)]
AdminCaller = Annotated[Actor, Depends(admin_caller)]
Profiles = Annotated[ProfileService, Depends(profile_service)]
AccountEvents = Annotated[AccountEventConsumer, Depends(account_event_consumer)]
