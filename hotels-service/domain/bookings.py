"""A hotel booking under the booking contract (docs/booking-contract.md): it moves by the
contract's transition table (shared.booking_lifecycle); the guest details are what a hotel needs.

A hotel supplier holds no rooms: the "hold" is a rate checked with the supplier and valid until
`hold_expires_at` (holds_inventory false); the supplier booking is made at issue, after payment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import phonenumbers

from domain.errors import FieldProblem, InvalidBooking
from shared.booking_lifecycle import BookingStatus, Contact, Document, LineItem, check_transition, hold_lapsed

# Letters of any script (guests are not only Latin-named), spaces, apostrophes, hyphens, dots.
NAME = re.compile(r"^[^\W\d_](?:[^\W\d_]|[ '.\-])*$")
NAME_MAX = 60
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SPECIAL_REQUESTS_MAX = 500


@dataclass(frozen=True)
class Guest:
    first_name: str
    last_name: str


@dataclass(frozen=True)
class GuestDetails:
    guests: tuple[Guest, ...]
    contact: Contact
    special_requests: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "guests": [{"first_name": g.first_name, "last_name": g.last_name} for g in self.guests],
            "contact": {"email": self.contact.email, "phone": self.contact.phone},
            "special_requests": self.special_requests,
        }


@dataclass(frozen=True)
class Booking:
    reference: str
    offer_id: str
    status: BookingStatus
    supplier: str
    supplier_reference: str | None
    rate_key: str
    total: Decimal
    quote: tuple[LineItem, ...]
    details: GuestDetails
    stay: dict[str, Any]  # what was bought, for the voucher: hotel, dates, room, board, policies
    hold_expires_at: datetime
    created_at: datetime
    updated_at: datetime
    documents: tuple[Document, ...] = ()
    failure_reason: str | None = None
    refund_amount: Decimal | None = None

    def moved_to(self, status: BookingStatus, now: datetime, **changes: Any) -> Booking:
        """The booking in its new status; raises TransitionNotAllowed outside the contract's table."""
        check_transition(self.status, status)
        return replace(self, status=status, updated_at=now, **changes)

    def quote_lapsed(self, now: datetime) -> bool:
        return hold_lapsed(self.status, self.hold_expires_at, now)


def normalise_phone(raw: str) -> str | None:
    """E.164, reading a number without a country code as Indonesian; None when not valid."""
    try:
        number = phonenumbers.parse(raw.strip(), "ID")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _name(value: Any, where: str, problems: list[FieldProblem]) -> str:
    cleaned = " ".join(str(value).split()) if isinstance(value, str) else ""
    if not 1 <= len(cleaned) <= NAME_MAX or not NAME.match(cleaned):
        problems.append(
            FieldProblem(where, f"1–{NAME_MAX} characters: letters, spaces, apostrophes, hyphens and dots.")
        )
    return cleaned.title() if cleaned.islower() or cleaned.isupper() else cleaned


def check_guest_details(raw: dict[str, Any], rooms: int) -> GuestDetails:
    """The booking_details a hotel booking needs: a guest named per room at least (the first is
    the holder), a contact email and phone; special requests are passed to the hotel. Every broken
    rule is reported at once, with its path under booking_details."""
    problems: list[FieldProblem] = []
    known = {"guests", "contact", "special_requests"}
    for extra in sorted(set(raw) - known):
        problems.append(FieldProblem(extra, "Unknown field."))
    guests_raw = raw.get("guests")
    guests: list[Guest] = []
    if not isinstance(guests_raw, list) or not guests_raw:
        problems.append(FieldProblem("guests", f"Name at least one guest per room ({rooms})."))
    else:
        if len(guests_raw) < rooms:
            problems.append(FieldProblem("guests", f"Name at least one guest per room ({rooms})."))
        if len(guests_raw) > 4 * rooms + 3 * rooms:
            problems.append(FieldProblem("guests", "More guests than the rooms hold."))
        for i, g in enumerate(guests_raw):
            if not isinstance(g, dict):
                problems.append(FieldProblem(f"guests.{i}", "A guest is {first_name, last_name}."))
                continue
            first = _name(g.get("first_name"), f"guests.{i}.first_name", problems)
            last = _name(g.get("last_name"), f"guests.{i}.last_name", problems)
            guests.append(Guest(first, last))
    contact_raw = raw.get("contact")
    email = phone = ""
    if not isinstance(contact_raw, dict):
        problems.append(FieldProblem("contact", "A contact {email, phone} is required."))
    else:
        email = str(contact_raw.get("email") or "").strip()
        if not EMAIL.match(email) or len(email) > 254:
            problems.append(FieldProblem("contact.email", "A valid email address is required."))
        phone = normalise_phone(str(contact_raw.get("phone") or "")) or ""
        if not phone:
            problems.append(FieldProblem("contact.phone", "A valid phone number is required (+62…)."))
    requests = raw.get("special_requests")
    if requests is not None and (not isinstance(requests, str) or len(requests) > SPECIAL_REQUESTS_MAX):
        problems.append(
            FieldProblem("special_requests", f"At most {SPECIAL_REQUESTS_MAX} characters of text.")
        )
    if problems:
        raise InvalidBooking(problems)
    cleaned = " ".join(requests.split()) if isinstance(requests, str) and requests.strip() else None
    return GuestDetails(tuple(guests), Contact(email.lower(), phone), cleaned)
