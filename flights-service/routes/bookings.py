"""The internal booking contract (DESIGN.md §6) that transaction-service calls and that ferries,
hotels and PPOB implement the same way: hold, read, issue, cancel. Guarded by X-Internal-Token
(unknown or missing → 404) and left out of the public OpenAPI schema."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from domain.booking_desk import BookingDesk
from domain.bookings import Booking, ContactInput, HoldRequest, PassengerInput
from domain.errors import InvalidBooking, PriceChanged
from shared.errors import problem_response
from shared.internal import require_internal

router = APIRouter(
    prefix="/internal/bookings",
    tags=["internal"],
    include_in_schema=False,
    dependencies=[Depends(require_internal)],
)


async def desk_dep(request: Request) -> BookingDesk:
    desk: BookingDesk = request.app.state.booking_desk
    return desk


Desk = Annotated[BookingDesk, Depends(desk_dep)]


# --- bodies -------------------------------------------------------------------------------------


class PassengerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["adult", "child", "infant"]
    title: Literal["mr", "mrs", "ms"] | None = None
    first_name: str = Field(max_length=200)
    last_name: str = Field(max_length=200)
    date_of_birth: date
    gender: Literal["m", "f"] | None = None
    nationality: str | None = Field(default=None, max_length=10, description="ISO 3166-1 alpha-2")
    passport_number: str | None = Field(default=None, max_length=40)
    passport_expiry: date | None = None


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str = Field(max_length=320)
    phone: str = Field(max_length=40, description="E.164, or an Indonesian number (0812…)")


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    offer_id: str = Field(min_length=1, max_length=512)
    passengers: list[PassengerIn] = Field(min_length=1, max_length=18)
    contact: ContactIn

    def to_domain(self) -> HoldRequest:
        return HoldRequest(
            offer_id=self.offer_id,
            passengers=tuple(PassengerInput(**p.model_dump()) for p in self.passengers),
            contact=ContactInput(email=self.contact.email, phone=self.contact.phone),
        )


class PassengerOut(BaseModel):
    type: str
    title: str
    first_name: str
    last_name: str
    date_of_birth: date
    gender: str
    nationality: str | None
    passport_number: str | None
    passport_expiry: date | None


class TicketOut(BaseModel):
    passenger: str
    ticket_number: str


class ContactOut(BaseModel):
    email: str
    phone: str


class BookingOut(BaseModel):
    booking_reference: str
    supplier: str
    supplier_reference: str = Field(description="The supplier's PNR / booking reference.")
    status: str = Field(description="held | issued | cancelled | expired")
    total_price: str = Field(description="Decimal string: the total the supplier confirmed.")
    currency: str
    hold_expires_at: datetime
    offer_id: str
    passengers: list[PassengerOut]
    contact: ContactOut
    tickets: list[TicketOut] = Field(description="Stay listed after a cancel (then void).")
    refund_amount: str | None = Field(
        description="Decimal string: what the supplier refunds for cancelling an issued booking, "
        "when it says (Duffel); null otherwise (a hold, Amadeus)."
    )
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, b: Booking) -> BookingOut:
        return cls(
            booking_reference=b.reference,
            supplier=b.supplier,
            supplier_reference=b.supplier_reference,
            status=b.status.value,
            total_price=str(b.total_price),
            currency=b.currency,
            hold_expires_at=b.hold_expires_at,
            offer_id=b.offer_id,
            passengers=[
                PassengerOut(
                    type=p.type.value,
                    title=p.title.value,
                    first_name=p.first_name,
                    last_name=p.last_name,
                    date_of_birth=p.date_of_birth,
                    gender=p.gender.value,
                    nationality=p.nationality,
                    passport_number=p.passport_number,
                    passport_expiry=p.passport_expiry,
                )
                for p in b.passengers
            ],
            contact=ContactOut(email=b.contact.email, phone=b.contact.phone),
            tickets=[TicketOut(passenger=t.passenger, ticket_number=t.ticket_number) for t in b.tickets],
            refund_amount=f"{b.refund_amount:.2f}" if b.refund_amount is not None else None,
            created_at=b.created_at,
            updated_at=b.updated_at,
        )


# --- problems that carry more than a detail -------------------------------------------------------


def _with_members(response: JSONResponse, **members: Any) -> JSONResponse:
    body = json.loads(bytes(response.body))
    body.update(members)
    return JSONResponse(body, status_code=response.status_code, media_type=response.media_type)


def price_changed(exc: PriceChanged) -> JSONResponse:
    """409 with the new total, so the caller can show it and ask again (a new key)."""
    return _with_members(
        problem_response(409, "price-changed", str(exc), title="Price changed"),
        total_price=str(exc.current),
        previous_total_price=str(exc.previous),
        currency="IDR",
    )


def _loc(field: str) -> list[str | int]:
    return ["body", *(int(part) if part.isdigit() else part for part in field.split("."))]


def invalid_booking(exc: InvalidBooking) -> JSONResponse:
    return problem_response(
        422,
        "invalid-booking",
        str(exc),
        title="Invalid booking request",
        errors=[{"loc": _loc(p.field), "msg": p.message, "type": "invalid_booking"} for p in exc.problems],
    )


# --- routes -----------------------------------------------------------------------------------------


@router.post("", status_code=201, response_model=BookingOut)
async def hold(
    body: HoldIn,
    desk: Desk,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200)],
) -> BookingOut | JSONResponse:
    """Holds the offer at its supplier for the passengers, at the offer's price, once per
    Idempotency-Key (the same key and body replay the first answer)."""
    try:
        booking = await desk.hold(idempotency_key, body.to_domain())
    except PriceChanged as exc:
        return price_changed(exc)
    except InvalidBooking as exc:
        return invalid_booking(exc)
    return BookingOut.of(booking)


@router.get("/{reference}", response_model=BookingOut)
async def get_booking(reference: str, desk: Desk) -> BookingOut:
    """The booking; a hold past its deadline reads as expired."""
    return BookingOut.of(await desk.get(reference))


@router.post("/{reference}/issue", response_model=BookingOut)
async def issue(reference: str, desk: Desk) -> BookingOut:
    """Issues the tickets (idempotent: an issued booking is returned as it is)."""
    return BookingOut.of(await desk.issue(reference))


@router.post("/{reference}/cancel", response_model=BookingOut)
async def cancel(reference: str, desk: Desk) -> BookingOut:
    """Cancels at the supplier: releases a hold, or cancels an issued booking (its tickets are
    void; `refund_amount` is what the supplier refunds, when it says). Idempotent: a cancelled or
    expired booking is returned as it is."""
    return BookingOut.of(await desk.cancel(reference))
