"""The flight's `booking_details` (passengers and contact) as a caller sends them in the booking
contract's hold (docs/booking-contract.md); the envelope and the booking's body are every
product's (shared.booking_api)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.bookings import ContactInput, HoldRequest, PassengerInput

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

    @classmethod
    def read(cls, raw: dict[str, Any]) -> HoldRequest:
        """The hold's details for the desk; a ValidationError is the route's invalid-booking."""
        return cls.model_validate(raw).to_domain()

    def to_domain(self) -> HoldRequest:
        return HoldRequest(
            passengers=tuple(PassengerInput(**p.model_dump()) for p in self.passengers),
            contact=ContactInput(email=self.contact.email, phone=self.contact.phone),
        )
