"""The internal charge API transaction-service calls: create, read, sync, cancel, refund.
Guarded by X-Internal-Token (unknown or missing → 404) and left out of the public OpenAPI schema.
Create and refund run once per Idempotency-Key: the same key and body replay the first answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse

from routes.deps import Idempotency, Services
from routes.idempotent import once_per_key
from routes.schemas import ChargeIn, ChargeOut, RefundIn, RefundOut
from shared.internal import require_internal
from shared.money import money_string

router = APIRouter(
    prefix="/internal/charges",
    tags=["internal"],
    include_in_schema=False,
    dependencies=[Depends(require_internal)],
)

IdempotencyKey = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200)]


@router.post("", status_code=201, response_model=ChargeOut)
async def create_charge(
    body: ChargeIn, services: Services, idempotency: Idempotency, idempotency_key: IdempotencyKey
) -> JSONResponse:
    """A Midtrans Snap charge (token + redirect_url) for the caller's order_id, once per key."""
    request = body.to_domain()

    async def create() -> dict[str, object]:
        charge = await services.charges.create(idempotency_key, request)
        return ChargeOut.of(charge).model_dump(mode="json")

    return await once_per_key(idempotency, "charges", idempotency_key, request.canonical(), create)


@router.get("/{order_id}", response_model=ChargeOut)
async def get_charge(order_id: str, services: Services) -> ChargeOut:
    return ChargeOut.of(await services.charges.get(order_id))


@router.post("/{order_id}/sync", response_model=ChargeOut)
async def sync_charge(order_id: str, services: Services) -> ChargeOut:
    """Asks Midtrans for the status now and applies it as a notification would."""
    return ChargeOut.of(await services.charges.sync(order_id))


@router.post("/{order_id}/cancel", response_model=ChargeOut)
async def cancel_charge(order_id: str, services: Services) -> ChargeOut:
    """Stops a charge that is not paid; 409 charge-paid when Midtrans says it was paid."""
    return ChargeOut.of(await services.charges.cancel(order_id))


@router.post("/{order_id}/refunds", status_code=201, response_model=RefundOut)
async def refund_charge(
    order_id: str,
    body: RefundIn,
    services: Services,
    idempotency: Idempotency,
    idempotency_key: IdempotencyKey,
) -> JSONResponse:
    """Refunds through Midtrans; the Idempotency-Key is Midtrans's refund_key (same key replays).
    The order_id is part of what the key is bound to: one refund_key refunds one charge."""

    async def refund() -> dict[str, object]:
        done = await services.refunds.refund(order_id, idempotency_key, body.amount, body.reason)
        return RefundOut.of(done).model_dump(mode="json")

    request = {"order_id": order_id, "amount": money_string(body.amount), "reason": body.reason}
    return await once_per_key(idempotency, "refunds", idempotency_key, request, refund)
