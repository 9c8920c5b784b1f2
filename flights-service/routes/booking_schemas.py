"""Bodies of the booking contract for flights: the flight's `booking_details` (passengers and
contact) as a caller sends them, and the booking as every product answers it
(docs/booking-contract.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.bookings import Booking, ContactInput, HoldRequest, Passenger, PassengerInput
from domain.e_tickets import e_tickets
from shared.money import money_string

SERVICE_TYPE = "flight"

# --- booking_details in -----------------------------------------------------------------------


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


class FlightDetailsIn(BaseModel):
    """A flight's booking_details. Shape errors here are `invalid-booking` like the flight rules,
    located under ["body", "booking_details", …]: to the caller both are the product's rules."""

    model_config = ConfigDict(extra="forbid")

    passengers: list[PassengerIn] = Field(min_length=1, max_length=18)
    contact: ContactIn

    def to_domain(self, offer_id: str) -> HoldRequest:
        return HoldRequest(
            offer_id=offer_id,
            passengers=tuple(PassengerInput(**p.model_dump()) for p in self.passengers),
            contact=ContactInput(email=self.contact.email, phone=self.contact.phone),
        )


# --- the booking out --------------------------------------------------------------------------


def instant(at: datetime) -> str:
    """UTC with a Z, as every service writes instants."""
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


class QuoteItemOut(BaseModel):
    description: str
    quantity: int
    unit_price: str


class QuoteOut(BaseModel):
    items: list[QuoteItemOut]
    total: str
    currency: str


class CustomerOut(BaseModel):
    first_name: str
    last_name: str
    email: str
    phone: str


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

    @classmethod
    def of(cls, p: Passenger) -> PassengerOut:
        return cls(
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


class ContactOut(BaseModel):
    email: str
    phone: str


class FlightDetailsOut(BaseModel):
    passengers: list[PassengerOut]
    contact: ContactOut


class DocumentOut(BaseModel):
    kind: str
    reference: str
    title: str
    fields: dict[str, str]


class BookingOut(BaseModel):
    booking_reference: str
    service_type: str
    offer_id: str
    status: str = Field(description="held | issued | cancelled | expired (flights never go pending)")
    supplier: str
    supplier_reference: str = Field(description="The supplier's PNR / booking reference.")
    holds_inventory: bool
    hold_expires_at: str
    quote: QuoteOut
    customer: CustomerOut
    booking_details: FlightDetailsOut
    documents: list[DocumentOut] = Field(
        description="E-tickets once issued; kept after a cancel (then void)."
    )
    failure_reason: str | None
    refund_amount: str | None = Field(
        description="Decimal string: what the supplier refunds for cancelling an issued booking, "
        "when it says (Duffel); null otherwise (a hold, Amadeus)."
    )
    created_at: str
    updated_at: str

    @classmethod
    def of(cls, b: Booking) -> BookingOut:
        customer = b.customer
        return cls(
            booking_reference=b.reference,
            service_type=SERVICE_TYPE,
            offer_id=b.offer_id,
            status=b.status.value,
            supplier=b.supplier,
            supplier_reference=b.supplier_reference,
            holds_inventory=True,  # a flight hold keeps the seats until hold_expires_at
            hold_expires_at=instant(b.hold_expires_at),
            quote=QuoteOut(
                items=[
                    QuoteItemOut(
                        description=line.description,
                        quantity=line.quantity,
                        unit_price=money_string(line.unit_price),
                    )
                    for line in b.quote
                ],
                total=money_string(b.total_price),
                currency=b.currency,
            ),
            customer=CustomerOut(
                first_name=customer.first_name,
                last_name=customer.last_name,
                email=customer.email,
                phone=customer.phone,
            ),
            booking_details=FlightDetailsOut(
                passengers=[PassengerOut.of(p) for p in b.passengers],
                contact=ContactOut(email=b.contact.email, phone=b.contact.phone),
            ),
            documents=[
                DocumentOut(kind=d.kind, reference=d.reference, title=d.title, fields=dict(d.fields))
                for d in e_tickets(b)
            ],
            failure_reason=None,  # issue finishes at once or is refused: a flight never fails later
            refund_amount=money_string(b.refund_amount) if b.refund_amount is not None else None,
            created_at=instant(b.created_at),
            updated_at=instant(b.updated_at),
        )
