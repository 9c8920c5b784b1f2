"""The booking contract (docs/booking-contract.md) for flights: hold, read, issue, cancel.
transaction-service calls it; ferries, hotels and PPOB speak the same one. Guarded by
X-Internal-Token (unknown or missing → 404) and left out of the public OpenAPI schema.

A hold runs once per Idempotency-Key (shared.idempotency): the same key and body replay the first
answer, a 201 or a business refusal (409 price-changed or sold-out, 410 offer-expired), without
asking the supplier again; concurrent duplicates wait for the first and replay it. A supplier
outage or an invalid request is not recorded, so a retry with the same key runs again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from domain.booking_desk import BookingDesk
from domain.errors import InvalidBooking
from routes.booking_schemas import BookingOut, FlightDetailsIn
from routes.errors import BUSINESS_REFUSALS, business_answer, invalid_booking, invalid_details
from shared.errors import PROBLEM_MEDIA_TYPE
from shared.idempotency import IdempotencyStore, Replay
from shared.internal import require_internal
from shared.logging import request_id_var

# The scope of hold keys in the idempotency table: transaction-service is the only caller.
HOLD_SCOPE = "bookings:hold"

router = APIRouter(
    prefix="/internal/bookings",
    tags=["internal"],
    include_in_schema=False,
    dependencies=[Depends(require_internal)],
)


async def desk_dep(request: Request) -> BookingDesk:
    desk: BookingDesk = request.app.state.booking_desk
    return desk


async def hold_keys_dep(request: Request) -> IdempotencyStore:
    keys: IdempotencyStore = request.app.state.hold_keys
    return keys


Desk = Annotated[BookingDesk, Depends(desk_dep)]
HoldKeys = Annotated[IdempotencyStore, Depends(hold_keys_dep)]


class HoldIn(BaseModel):
    """The contract's hold request; `booking_details` is checked by the flight rules below."""

    model_config = ConfigDict(extra="forbid")

    offer_id: str = Field(min_length=1, max_length=512)
    booking_details: dict[str, Any]


def answer(replay: Replay) -> JSONResponse:
    body = replay.body
    if replay.status >= 400 and isinstance(body, dict):
        # A replayed refusal names this request, so its id can be found in today's logs.
        body = {**body, "request_id": request_id_var.get()}
        return JSONResponse(body, status_code=replay.status, media_type=PROBLEM_MEDIA_TYPE)
    return JSONResponse(body, status_code=replay.status)


@router.post("", status_code=201, response_model=BookingOut)
async def hold(
    body: HoldIn,
    desk: Desk,
    keys: HoldKeys,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200)],
) -> JSONResponse:
    """Holds the offer at its supplier for the passengers, at the offer's price, once per
    Idempotency-Key."""
    try:
        details = FlightDetailsIn.model_validate(body.booking_details)
    except ValidationError as exc:
        return invalid_details(exc)
    request = details.to_domain(body.offer_id)

    async def work() -> Replay:
        booking = await desk.hold(idempotency_key, request)
        return Replay(201, BookingOut.of(booking).model_dump(mode="json"))

    try:
        replay = await keys.run(
            HOLD_SCOPE, idempotency_key, body.model_dump(mode="json"), work, business_answer
        )
    except InvalidBooking as exc:
        return invalid_booking(exc)
    except BUSINESS_REFUSALS as exc:
        refusal = business_answer(exc)
        assert refusal is not None  # every business refusal has its recorded answer
        return answer(refusal)
    return answer(replay)


@router.get("/{reference}", response_model=BookingOut)
async def get_booking(reference: str, desk: Desk) -> BookingOut:
    """The booking; a hold past its deadline reads as expired."""
    return BookingOut.of(await desk.get(reference))


@router.post("/{reference}/issue", response_model=BookingOut)
async def issue(reference: str, desk: Desk) -> BookingOut:
    """Issues the tickets at once (idempotent: an issued booking is returned as it is)."""
    return BookingOut.of(await desk.issue(reference))


@router.post("/{reference}/cancel", response_model=BookingOut)
async def cancel(reference: str, desk: Desk) -> BookingOut:
    """Cancels at the supplier: releases a hold, or cancels an issued booking (its e-tickets are
    void; `refund_amount` is what the supplier refunds, when it says). Idempotent: a cancelled or
    expired booking is returned as it is."""
    return BookingOut.of(await desk.cancel(reference))
