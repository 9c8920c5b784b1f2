"""Passenger and contact rules of a hold: the party must match the offer, names must be what an
airline accepts, dates of birth must fit each passenger's type on the departure date, and a trip
that leaves Indonesia needs every passenger's passport. Every broken rule is reported at once."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime

import phonenumbers

from domain.bookings import ContactInput, Gender, HoldRequest, Passenger, PassengerInput, Title
from domain.errors import FieldProblem, InvalidBooking
from domain.models import Offer, PassengerType
from domain.repository import AirportDirectory
from domain.rules import today_in_jakarta
from shared.booking_lifecycle import Contact

HOME_COUNTRY = "ID"
PHONE_REGION = "ID"
NAME_MAX = 50
NAME = re.compile(r"^[A-Za-z][A-Za-z '.\-]*$")
PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
EMAIL_MAX = 254
ADULT_AGE = 12
CHILD_AGE = 2
TITLE_GENDER = {Title.MR: Gender.MALE, Title.MRS: Gender.FEMALE, Title.MS: Gender.FEMALE}
GENDER_TITLE = {Gender.MALE: Title.MR, Gender.FEMALE: Title.MS}


def age_on(born: date, on: date) -> int:
    """Whole years of age on a date."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def is_international(offer: Offer, airports: AirportDirectory) -> bool:
    """True when any segment touches an airport outside Indonesia (an unknown airport counts)."""
    for segment in offer.segments:
        for code in (segment.origin, segment.destination):
            airport = airports.get(code)
            if airport is None or airport.country != HOME_COUNTRY:
                return True
    return False


def normalise_phone(raw: str) -> str | None:
    """E.164, reading a number without a country code as Indonesian; None when not valid."""
    try:
        number = phonenumbers.parse(raw.strip(), PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _name(value: str, field: str, problems: list[FieldProblem]) -> str:
    cleaned = " ".join(value.split())
    if not 1 <= len(cleaned) <= NAME_MAX or not NAME.match(cleaned):
        problems.append(
            FieldProblem(
                field,
                f"{field.rsplit('.', 1)[-1]} must be 1–{NAME_MAX} characters: letters A–Z, spaces, "
                "apostrophes, hyphens and dots, starting with a letter.",
            )
        )
    return cleaned


def _expected_type(age: int) -> PassengerType:
    if age >= ADULT_AGE:
        return PassengerType.ADULT
    return PassengerType.CHILD if age >= CHILD_AGE else PassengerType.INFANT


def _passenger(
    raw: PassengerInput,
    i: int,
    *,
    departure: date,
    last_flight: date,
    today: date,
    international: bool,
    problems: list[FieldProblem],
) -> Passenger:
    at = f"passengers.{i}"
    kind = PassengerType(raw.type)
    first = _name(raw.first_name, f"{at}.first_name", problems)
    last = _name(raw.last_name, f"{at}.last_name", problems)

    born = raw.date_of_birth
    if born > today:
        problems.append(FieldProblem(f"{at}.date_of_birth", "date_of_birth must not be in the future."))
    else:
        age = age_on(born, departure)
        if _expected_type(age) is not kind:
            rule = {
                PassengerType.ADULT: f"an adult must be at least {ADULT_AGE}",
                PassengerType.CHILD: f"a child must be {CHILD_AGE}–{ADULT_AGE - 1}",
                PassengerType.INFANT: f"an infant must be under {CHILD_AGE}",
            }[kind]
            problems.append(
                FieldProblem(
                    f"{at}.date_of_birth",
                    f"{rule} years old on the departure date {departure}; born {born} is {age}.",
                )
            )

    title = Title(raw.title) if raw.title else None
    gender = Gender(raw.gender) if raw.gender else None
    if title is None and gender is None:
        problems.append(FieldProblem(f"{at}.gender", "gender (m|f) or title (mr|mrs|ms) is required."))
    elif title is not None and gender is not None and TITLE_GENDER[title] is not gender:
        problems.append(
            FieldProblem(f"{at}.title", f"title {title.value} does not match gender {gender.value}.")
        )
    gender = gender or (TITLE_GENDER[title] if title else Gender.MALE)
    title = title or GENDER_TITLE[gender]

    nationality = raw.nationality.strip().upper() if raw.nationality else None
    if nationality is not None and not COUNTRY.match(nationality):
        problems.append(FieldProblem(f"{at}.nationality", "nationality must be an ISO 3166-1 alpha-2 code."))
    passport = raw.passport_number.replace(" ", "").upper() if raw.passport_number else None
    if passport is not None and not PASSPORT.match(passport):
        problems.append(
            FieldProblem(f"{at}.passport_number", "passport_number must be 5–20 letters or digits.")
        )
    if international:
        if passport is None:
            problems.append(
                FieldProblem(
                    f"{at}.passport_number", "passport_number is required: the trip leaves Indonesia."
                )
            )
        if raw.passport_expiry is None:
            problems.append(
                FieldProblem(
                    f"{at}.passport_expiry", "passport_expiry is required: the trip leaves Indonesia."
                )
            )
    if raw.passport_expiry is not None and raw.passport_expiry <= last_flight:
        problems.append(
            FieldProblem(
                f"{at}.passport_expiry",
                f"the passport must be valid after the last flight date {last_flight}.",
            )
        )
    return Passenger(
        type=kind,
        title=title,
        gender=gender,
        first_name=first,
        last_name=last,
        date_of_birth=born,
        nationality=nationality,
        passport_number=passport,
        passport_expiry=raw.passport_expiry,
    )


def _contact(raw: ContactInput, problems: list[FieldProblem]) -> Contact:
    email = raw.email.strip().lower()
    if len(email) > EMAIL_MAX or not EMAIL.match(email):
        problems.append(FieldProblem("contact.email", "contact.email is not a valid email address."))
    phone = normalise_phone(raw.phone)
    if phone is None:
        problems.append(
            FieldProblem("contact.phone", "contact.phone is not a valid phone number (e.g. +6281234567890).")
        )
    return Contact(email=email, phone=phone or raw.phone)


def check_hold_request(
    request: HoldRequest, offer: Offer, airports: AirportDirectory, now: datetime
) -> tuple[tuple[Passenger, ...], Contact]:
    """The validated passengers (in the order given) and contact; raises InvalidBooking."""
    problems: list[FieldProblem] = []
    for i, p in enumerate(request.passengers):
        if p.type not in {t.value for t in PassengerType}:
            problems.append(FieldProblem(f"passengers.{i}.type", "type must be adult, child or infant."))
        if p.title is not None and p.title not in {t.value for t in Title}:
            problems.append(FieldProblem(f"passengers.{i}.title", "title must be mr, mrs or ms."))
        if p.gender is not None and p.gender not in {g.value for g in Gender}:
            problems.append(FieldProblem(f"passengers.{i}.gender", "gender must be m or f."))
    if problems:
        raise InvalidBooking(problems)

    wanted = Counter({p.passenger_type: p.count for p in offer.passenger_prices})
    given = Counter(PassengerType(p.type) for p in request.passengers)
    if given != wanted:

        def describe(c: Counter[PassengerType]) -> str:
            return ", ".join(f"{c[t]} {t.value}" for t in PassengerType if c[t]) or "none"

        problems.append(
            FieldProblem(
                "passengers",
                f"the offer is for {describe(wanted)}; the request has {describe(given)}.",
            )
        )

    departure = offer.departure_at.date()
    last_flight = offer.segments[-1].departure_at.date()
    international = is_international(offer, airports)
    today = today_in_jakarta(now)
    passengers = tuple(
        _passenger(
            p,
            i,
            departure=departure,
            last_flight=last_flight,
            today=today,
            international=international,
            problems=problems,
        )
        for i, p in enumerate(request.passengers)
    )
    seen: set[tuple[str, str, date]] = set()
    for i, checked in enumerate(passengers):
        key = (checked.first_name.lower(), checked.last_name.lower(), checked.date_of_birth)
        if key in seen:
            problems.append(FieldProblem(f"passengers.{i}", "the same passenger is listed twice."))
        seen.add(key)
    contact = _contact(request.contact, problems)
    if problems:
        raise InvalidBooking(problems)
    return passengers, contact
