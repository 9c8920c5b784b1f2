"""The internal booking contract (docs/booking-contract.md) that transaction-service calls: hold,
read, issue, cancel. Guarded by X-Internal-Token (missing or wrong → 404) and left out of the
public OpenAPI schema."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from domain.booking_desk import BookingDesk
from routes.errors import RECORDED_HOLD_ERRORS, problem_for
from routes.schemas import booking_json
from shared.errors import PROBLEM_MEDIA_TYPE
from shared.idempotency import IdempotencyStore, Replay
from shared.internal import require_internal

router = APIRouter(
    prefix="/internal/bookings",
    tags=["internal"],
    include_in_schema=False,
    dependencies=[Depends(require_internal)],
)
HOLD_SCOPE = "bookings.hold"


async def desk_dep(request: Request) -> BookingDesk:
    desk: BookingDesk = request.app.state.booking_desk
    return desk


async def store_dep(request: Request) -> IdempotencyStore:
    store: IdempotencyStore = request.app.state.idempotency
    return store


Desk = Annotated[BookingDesk, Depends(desk_dep)]


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offer_id: str = Field(min_length=1, max_length=512)
    booking_details: dict[str, Any] = Field(
        description="passengers [{type, first_name, last_name, id_number?, gender?}], vehicle? "
        "{class, plate_number}, contact {email, phone}"
    )


def _recorded(exc: BaseException) -> Replay | None:
    if isinstance(exc, RECORDED_HOLD_ERRORS):
        response = problem_for(exc)
        return Replay(response.status_code, json.loads(bytes(response.body)))
    return None


def _answer(replay: Replay) -> JSONResponse:
    media = PROBLEM_MEDIA_TYPE if replay.status >= 400 else "application/json"
    return JSONResponse(replay.body, status_code=replay.status, media_type=media)


@router.post("", status_code=201)
async def hold(
    body: HoldIn,
    desk: Desk,
    store: Annotated[IdempotencyStore, Depends(store_dep)],
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200)],
) -> JSONResponse:
    """Quotes the offer with the operator and holds its seats and deck space at the offer's price,
    once per Idempotency-Key: concurrent duplicates wait for the first and replay its answer."""

    async def work() -> Replay:
        booking = await desk.hold(body.offer_id, body.booking_details)
        return Replay(201, booking_json(booking))

    try:
        replay = await store.run(HOLD_SCOPE, idempotency_key, body.model_dump(mode="json"), work, _recorded)
    except RECORDED_HOLD_ERRORS as exc:
        return problem_for(exc)
    return _answer(replay)


@router.get("/{reference}")
async def get_booking(reference: str, desk: Desk) -> JSONResponse:
    """The booking; a hold past its deadline reads expired."""
    return JSONResponse(booking_json(await desk.get(reference)))


@router.post("/{reference}/issue")
async def issue(reference: str, desk: Desk) -> JSONResponse:
    """E-tickets with boarding codes (idempotent); a sailing the operator cancelled reads failed."""
    return JSONResponse(booking_json(await desk.issue(reference)))


@router.post("/{reference}/cancel")
async def cancel(reference: str, desk: Desk) -> JSONResponse:
    """Cancels at the operator (idempotent): a hold is released, issued e-tickets are cancelled
    with the operator's refund_amount; 409 not-cancellable once the sailing has left."""
    return JSONResponse(booking_json(await desk.cancel(reference)))
