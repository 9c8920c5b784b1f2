"""The internal booking contract (docs/booking-contract.md) for hotels: quote, read, issue, cancel.
Guarded by X-Internal-Token (unknown or missing → 404) and left out of the public OpenAPI schema.

A hold runs once per Idempotency-Key (shared.idempotency): the same key and body replay the first
answer, a 201 or a business refusal (409 price-changed or sold-out, 410 offer-expired), without
asking the supplier again; concurrent duplicates wait for the first and replay it. A supplier
outage or invalid details are not recorded, so a retry with the same key runs again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from domain.booking_desk import BookingDesk
from domain.bookings import Booking
from domain.errors import InvalidBooking, OfferExpired, PriceChanged, SoldOut
from routes.errors import ERROR_MAP
from shared.errors import PROBLEM_MEDIA_TYPE, problem_response
from shared.idempotency import IdempotencyStore, Replay
from shared.internal import require_internal
from shared.logging import request_id_var
from shared.money import money_string

HOLD_SCOPE = "bookings:hold"
SERVICE_TYPE = "hotel"
BUSINESS_REFUSALS: tuple[type[Exception], ...] = (PriceChanged, SoldOut, OfferExpired)

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
    """The contract's hold request; `booking_details` is checked by the hotel rules."""

    model_config = ConfigDict(extra="forbid")

    offer_id: str = Field(min_length=1, max_length=128)
    booking_details: dict[str, Any]


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def booking_body(b: Booking) -> dict[str, Any]:
    guests = b.details.guests
    return {
        "booking_reference": b.reference,
        "service_type": SERVICE_TYPE,
        "offer_id": b.offer_id,
        "status": b.status.value,
        "supplier": b.supplier,
        "supplier_reference": b.supplier_reference,
        "holds_inventory": False,  # a hotel supplier reserves nothing until the booking itself
        "hold_expires_at": utc(b.hold_expires_at),
        "quote": {
            "items": [
                {
                    "description": q.description,
                    "quantity": q.quantity,
                    "unit_price": money_string(q.unit_price),
                }
                for q in b.quote
            ],
            "total": money_string(b.total),
            "currency": "IDR",
        },
        "customer": {
            "first_name": guests[0].first_name,
            "last_name": guests[0].last_name,
            "email": b.details.contact.email,
            "phone": b.details.contact.phone,
        },
        "booking_details": {**b.details.as_dict(), "stay": b.stay},
        "documents": [
            {"kind": d.kind, "reference": d.reference, "title": d.title, "fields": d.fields}
            for d in b.documents
        ],
        "failure_reason": b.failure_reason,
        "refund_amount": money_string(b.refund_amount) if b.refund_amount is not None else None,
        "created_at": utc(b.created_at),
        "updated_at": utc(b.updated_at),
    }


def _body(response: JSONResponse) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(bytes(response.body))
    return body


def business_answer(exc: BaseException) -> Replay | None:
    """The problem a business refusal is answered with (the same on every replay); None for
    anything else, which the idempotency store then forgets."""
    if isinstance(exc, PriceChanged):
        body = _body(problem_response(409, "price-changed", str(exc), title="Price changed"))
        body.update(
            total_price=money_string(exc.current),
            previous_total_price=money_string(exc.previous),
            currency="IDR",
        )
        return Replay(409, body)
    if isinstance(exc, BUSINESS_REFUSALS):
        spec = ERROR_MAP[type(exc)]
        return Replay(
            spec.status, _body(problem_response(spec.status, spec.slug, str(exc), title=spec.title))
        )
    return None


def invalid_booking(exc: InvalidBooking) -> JSONResponse:
    """422 listing every broken hotel rule at once, located in the caller's booking_details."""
    return problem_response(
        422,
        "invalid-booking",
        str(exc),
        title="Invalid booking request",
        errors=[
            {
                "loc": [
                    "body",
                    "booking_details",
                    *(int(p) if p.isdigit() else p for p in pr.field.split(".")),
                ],
                "msg": pr.message,
                "type": "invalid_booking",
            }
            for pr in exc.problems
        ],
    )


def answer(replay: Replay) -> JSONResponse:
    body = replay.body
    if replay.status >= 400 and isinstance(body, dict):
        # A replayed refusal names this request, so its id can be found in today's logs.
        body = {**body, "request_id": request_id_var.get()}
        return JSONResponse(body, status_code=replay.status, media_type=PROBLEM_MEDIA_TYPE)
    return JSONResponse(body, status_code=replay.status)


@router.post("", status_code=201)
async def hold(
    body: HoldIn,
    desk: Desk,
    keys: HoldKeys,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200)],
) -> JSONResponse:
    """Checks the rate with the supplier and keeps it as a quote until hold_expires_at."""

    async def work() -> Replay:
        booking = await desk.hold(body.offer_id, body.booking_details)
        return Replay(201, booking_body(booking))

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


@router.get("/{reference}")
async def get_booking(reference: str, desk: Desk) -> JSONResponse:
    """The booking; a lapsed quote reads expired; a pending one is read again at the supplier."""
    return JSONResponse(booking_body(await desk.get(reference)))


@router.post("/{reference}/issue")
async def issue(reference: str, desk: Desk) -> JSONResponse:
    """Books at the supplier: issued with a voucher, pending (on request), or failed (sold out or
    repriced since the quote). Idempotent."""
    return JSONResponse(booking_body(await desk.issue(reference)))


@router.post("/{reference}/cancel")
async def cancel(reference: str, desk: Desk) -> JSONResponse:
    """Ends a quote, or cancels an issued booking at the supplier with refund_amount = paid less
    the policy's fee. Idempotent."""
    return JSONResponse(booking_body(await desk.cancel(reference)))
