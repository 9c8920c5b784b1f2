"""The booking contract (docs/booking-contract.md) for PPOB: hold (a validated quote: nothing is
reserved), read, issue (the purchase at the aggregator, possibly pending), cancel (only before
issue: a delivered purchase cannot be taken back). Guarded by X-Internal-Token (unknown or
missing → 404) and left out of the public OpenAPI schema.

A hold runs once per Idempotency-Key (shared.idempotency): the same key and body replay the first
answer, a 201 or a business refusal (409 price-changed, 410 offer-expired); a supplier outage,
a low deposit or invalid details are not recorded, so a retry with the same key runs again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from domain.errors import InvalidBooking
from routes.deps import HoldKeys, PurchasesDep
from routes.errors import BUSINESS_REFUSALS, business_answer, invalid_booking
from routes.schemas import booking_body
from shared.errors import PROBLEM_MEDIA_TYPE
from shared.idempotency import Replay
from shared.internal import require_internal
from shared.logging import request_id_var

HOLD_SCOPE = "bookings:hold"

router = APIRouter(
    prefix="/internal/bookings",
    tags=["internal"],
    include_in_schema=False,
    dependencies=[Depends(require_internal)],
)


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offer_id: str = Field(min_length=1, max_length=64)
    booking_details: dict[str, Any]


def answer(replay: Replay) -> JSONResponse:
    if replay.status >= 400 and isinstance(replay.body, dict):
        body = {**replay.body, "request_id": request_id_var.get()}
        return JSONResponse(body, status_code=replay.status, media_type=PROBLEM_MEDIA_TYPE)
    return JSONResponse(replay.body, status_code=replay.status)


@router.post("", status_code=201)
async def hold(
    body: HoldIn,
    purchases: PurchasesDep,
    keys: HoldKeys,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200)],
) -> JSONResponse:
    async def work() -> Replay:
        booking = await purchases.hold(body.offer_id, body.booking_details)
        return Replay(201, booking_body(booking, purchases.supplier))

    try:
        replay = await keys.run(
            HOLD_SCOPE, idempotency_key, body.model_dump(mode="json"), work, business_answer
        )
    except InvalidBooking as exc:
        return invalid_booking(exc)
    except BUSINESS_REFUSALS as exc:
        refusal = business_answer(exc)
        assert refusal is not None
        return answer(refusal)
    return answer(replay)


@router.get("/{reference}")
async def read(reference: str, purchases: PurchasesDep) -> JSONResponse:
    return JSONResponse(booking_body(await purchases.get(reference), purchases.supplier))


@router.post("/{reference}/issue")
async def issue(reference: str, purchases: PurchasesDep) -> JSONResponse:
    """Buys at the aggregator: `issued` with the serial, token or receipt; `pending` when the
    operator answers later; `failed` with a reason when it refuses."""
    return JSONResponse(booking_body(await purchases.issue(reference), purchases.supplier))


@router.post("/{reference}/cancel")
async def cancel(reference: str, purchases: PurchasesDep) -> JSONResponse:
    """Ends an unpaid quote; a purchase already sent is 409 not-cancellable."""
    return JSONResponse(booking_body(await purchases.cancel(reference), purchases.supplier))
