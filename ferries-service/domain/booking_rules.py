"""The rules booking_details must meet, all checked at once so that every broken rule is reported:
passengers matching the offer's party (names as a manifest takes them, an optional NIK or
passport number, gender m/f), the vehicle of the searched golongan with an Indonesian plate
("B 1234 XYZ", normalised), and a contact (email, phone in E.164; 0812… reads as Indonesian)."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import phonenumbers

from domain.bookings import BookingDetails, Passenger, Vehicle
from domain.errors import FieldProblem, InvalidBooking
from domain.models import Offer, PassengerType
from shared.booking_lifecycle import Contact

NAME = re.compile(r"^[A-Za-z][A-Za-z '.\-]*$")
NAME_MAX = 60
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
EMAIL_MAX = 254
# NIK (16 digits) or a passport number.
ID_NUMBER = re.compile(r"^(\d{16}|[A-Z0-9]{5,20})$")
# Region letters (1–2), a number (1–4 digits), an optional suffix (up to 3 letters).
PLATE = re.compile(r"^([A-Z]{1,2})\s*(\d{1,4})\s*([A-Z]{0,3})$")
TOP_LEVEL = {"passengers", "vehicle", "contact"}
PASSENGER_FIELDS = {"type", "first_name", "last_name", "id_number", "gender"}


def normalise_plate(raw: str) -> str | None:
    """ "b1234xyz", "B-1234-XYZ", " b 1234  xyz " → "B 1234 XYZ"; None when it is no plate."""
    compact = re.sub(r"[\s\-.]+", " ", raw.strip().upper())
    match = PLATE.match(compact)
    if match is None:
        return None
    return " ".join(part for part in match.groups() if part)


def normalise_phone(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw.strip(), "ID")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _text(value: Any) -> str | None:
    return " ".join(value.split()) if isinstance(value, str) else None


def _name(raw: Any, where: str, problems: list[FieldProblem]) -> str:
    value = _text(raw)
    if not value:
        problems.append(FieldProblem(where, "A name is required."))
        return ""
    if len(value) > NAME_MAX or not NAME.match(value):
        problems.append(
            FieldProblem(where, f"Use up to {NAME_MAX} Latin letters, spaces, dots, hyphens, apostrophes.")
        )
    return value.title()


def _passenger(raw: Any, i: int, problems: list[FieldProblem]) -> Passenger | None:
    where = f"passengers.{i}"
    if not isinstance(raw, dict):
        problems.append(FieldProblem(where, "A passenger is an object."))
        return None
    for extra in sorted(set(raw) - PASSENGER_FIELDS):
        problems.append(FieldProblem(f"{where}.{extra}", "Unknown field."))
    try:
        pax_type = PassengerType(str(raw.get("type")))
    except ValueError:
        problems.append(FieldProblem(f"{where}.type", "type is adult, child or infant."))
        pax_type = PassengerType.ADULT
    first = _name(raw.get("first_name"), f"{where}.first_name", problems)
    last = _name(raw.get("last_name"), f"{where}.last_name", problems)
    id_number = raw.get("id_number")
    if id_number is not None:
        cleaned = _text(id_number)
        cleaned = cleaned.replace(" ", "").upper() if cleaned else cleaned
        if not cleaned or not ID_NUMBER.match(cleaned):
            problems.append(FieldProblem(f"{where}.id_number", "A 16-digit NIK or a passport number."))
        id_number = cleaned
    gender = raw.get("gender")
    if gender is not None and gender not in ("m", "f"):
        problems.append(FieldProblem(f"{where}.gender", "gender is m or f."))
    return Passenger(pax_type, first, last, id_number, gender)


def _vehicle(raw: Any, offer: Offer, problems: list[FieldProblem]) -> Vehicle | None:
    if offer.vehicle_class is None:
        if raw is not None:
            problems.append(
                FieldProblem("vehicle", "This offer carries no vehicle; search with vehicle_class.")
            )
        return None
    if not isinstance(raw, dict):
        problems.append(
            FieldProblem("vehicle", f"This offer carries a golongan {offer.vehicle_class} vehicle.")
        )
        return None
    for extra in sorted(set(raw) - {"class", "plate_number"}):
        problems.append(FieldProblem(f"vehicle.{extra}", "Unknown field."))
    vehicle_class = raw.get("class")
    if not isinstance(vehicle_class, str) or vehicle_class.strip().upper() != offer.vehicle_class:
        problems.append(
            FieldProblem("vehicle.class", f"The vehicle must be the searched golongan {offer.vehicle_class}.")
        )
    plate_raw = raw.get("plate_number")
    plate = normalise_plate(plate_raw) if isinstance(plate_raw, str) else None
    if plate is None:
        problems.append(
            FieldProblem("vehicle.plate_number", "An Indonesian plate number such as 'B 1234 XYZ'.")
        )
    return Vehicle(offer.vehicle_class, plate or "")


def _contact(raw: Any, problems: list[FieldProblem]) -> Contact:
    if not isinstance(raw, dict):
        problems.append(FieldProblem("contact", "A contact with email and phone is required."))
        return Contact("", "")
    for extra in sorted(set(raw) - {"email", "phone"}):
        problems.append(FieldProblem(f"contact.{extra}", "Unknown field."))
    email = _text(raw.get("email")) or ""
    if len(email) > EMAIL_MAX or not EMAIL.match(email):
        problems.append(FieldProblem("contact.email", "A valid email address is required."))
    phone_raw = raw.get("phone")
    phone = normalise_phone(phone_raw) if isinstance(phone_raw, str) else None
    if phone is None:
        problems.append(
            FieldProblem("contact.phone", "A valid phone number (E.164, or 0812… for Indonesia).")
        )
    return Contact(email.lower(), phone or "")


def check_details(raw: Any, offer: Offer) -> BookingDetails:
    """Normalised booking_details for this offer; InvalidBooking listing every broken rule."""
    problems: list[FieldProblem] = []
    if not isinstance(raw, dict):
        raise InvalidBooking([FieldProblem("", "booking_details is an object.")])
    for extra in sorted(set(raw) - TOP_LEVEL):
        problems.append(FieldProblem(extra, "Unknown field."))
    raw_passengers = raw.get("passengers")
    passengers: list[Passenger] = []
    if not isinstance(raw_passengers, list) or not raw_passengers:
        problems.append(FieldProblem("passengers", "At least one passenger is required."))
    else:
        for i, item in enumerate(raw_passengers):
            p = _passenger(item, i, problems)
            if p is not None:
                passengers.append(p)
        counts = Counter(p.type for p in passengers)
        wanted = {t: offer.party.count(t) for t in PassengerType}
        if len(passengers) == len(raw_passengers) and any(counts[t] != n for t, n in wanted.items()):
            problems.append(
                FieldProblem(
                    "passengers",
                    f"The offer is for {offer.party.adults} adult(s), {offer.party.children} child(ren) "
                    f"and {offer.party.infants} infant(s).",
                )
            )
    vehicle = _vehicle(raw.get("vehicle"), offer, problems)
    contact = _contact(raw.get("contact"), problems)
    if problems:
        raise InvalidBooking(problems)
    return BookingDetails(tuple(passengers), vehicle, contact)
