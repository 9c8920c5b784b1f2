"""Dependencies routes share: the use cases and the Idempotency-Key store, built once in the
lifespan (app.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from domain.charges import ChargeDesk
from domain.notifications import NotificationDesk
from domain.refunds import RefundDesk
from domain.xendit_callbacks import XenditCallbackDesk
from shared.idempotency import IdempotencyStore


@dataclass(frozen=True)
class PaymentServices:
    charges: ChargeDesk
    notifications: NotificationDesk
    refunds: RefundDesk
    xendit_callbacks: XenditCallbackDesk


async def services_dep(request: Request) -> PaymentServices:
    services: PaymentServices = request.app.state.services
    return services


Services = Annotated[PaymentServices, Depends(services_dep)]


async def idempotency_dep(request: Request) -> IdempotencyStore:
    store: IdempotencyStore = request.app.state.idempotency
    return store


Idempotency = Annotated[IdempotencyStore, Depends(idempotency_dep)]
