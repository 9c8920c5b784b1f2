"""Booking transitions and the passenger/contact rules of a hold (pure domain)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from domain.bookings import Booking, ContactInput, Gender, HoldRequest, PassengerInput, Title
from domain.errors import InvalidBooking
from domain.models import PassengerType
from domain.passengers import age_on, check_hold_request, normalise_phone
from shared.booking_lifecycle import BookingStatus, Contact, TransitionNotAllowed
from tests.fakes import HOLD_EXPIRY, NOW, WIB, FakeAirports, make_offer

ADULT = PassengerInput("adult", "Budi", "Santoso", date(1990, 1, 15), title="mr")
CONTACT = ContactInput("Budi@Example.co.id", "0812-3456-7890")


def request(*passengers: PassengerInput, contact: ContactInput = CONTACT) -> HoldRequest:
    return HoldRequest(passengers or (ADULT,), contact)


def problems(exc: pytest.ExceptionInfo[InvalidBooking]) -> dict[str, str]:
    return {p.field: p.message for p in exc.value.problems}


def booking(status: BookingStatus = BookingStatus.HELD) -> Booking:
    return Booking(
        reference="ref",
        idempotency_key="key",
        offer_id="offer",
        supplier="duffel",
        supplier_order_id="ord_1",
        supplier_reference="ABC123",
        status=status,
        total_price=Decimal("1000000"),
        hold_expires_at=HOLD_EXPIRY,
        passengers=(),
        contact=Contact("a@b.id", "+6281234567890"),
        created_at=NOW,
        updated_at=NOW,
    )


# --- transitions ------------------------------------------------------------------------------


def test_an_issued_booking_can_be_cancelled_keeping_its_tickets() -> None:
    issued = booking(BookingStatus.ISSUED)
    cancelled = issued.moved_to(BookingStatus.CANCELLED, NOW, refund_amount=Decimal("850000.00"))
    assert cancelled.status is BookingStatus.CANCELLED
    assert cancelled.tickets == issued.tickets
    assert cancelled.refund_amount == Decimal("850000.00")
    for target in (BookingStatus.HELD, BookingStatus.ISSUED, BookingStatus.EXPIRED):
        with pytest.raises(TransitionNotAllowed, match=f"issued booking cannot become {target.value}"):
            issued.moved_to(target, NOW)


def test_moving_a_hold_stamps_the_change() -> None:
    later = datetime(2030, 4, 1, 3, 5, tzinfo=NOW.tzinfo)
    issued = booking().moved_to(BookingStatus.ISSUED, later)
    assert issued.status is BookingStatus.ISSUED
    assert issued.updated_at == later


def test_a_hold_lapses_at_its_deadline_only_while_held() -> None:
    assert not booking().hold_lapsed(NOW)
    assert booking().hold_lapsed(HOLD_EXPIRY)
    assert not booking(BookingStatus.ISSUED).hold_lapsed(HOLD_EXPIRY)


# --- passenger rules ---------------------------------------------------------------------------


def test_a_valid_party_is_normalised() -> None:
    offer = make_offer(party=((PassengerType.ADULT, 1), (PassengerType.CHILD, 1), (PassengerType.INFANT, 1)))
    child = PassengerInput("child", "  Sari  ", "O'Neil-Putri", date(2022, 6, 1), gender="f")
    infant = PassengerInput("infant", "Adi", "Santoso", date(2029, 9, 1), gender="m")
    passengers, contact = check_hold_request(request(ADULT, child, infant), offer, FakeAirports(), NOW)
    assert [p.type for p in passengers] == [PassengerType.ADULT, PassengerType.CHILD, PassengerType.INFANT]
    assert passengers[0].gender is Gender.MALE  # from the title
    assert passengers[1].title is Title.MS  # from the gender
    assert passengers[1].first_name == "Sari"
    assert contact == Contact("budi@example.co.id", "+6281234567890")


def test_the_party_must_match_the_offer() -> None:
    offer = make_offer(party=((PassengerType.ADULT, 2),))
    with pytest.raises(InvalidBooking) as exc:
        check_hold_request(request(ADULT), offer, FakeAirports(), NOW)
    assert problems(exc)["passengers"] == "the offer is for 2 adult; the request has 1 adult."


@pytest.mark.parametrize("name", ["", "B4di", "Budi_", "-Budi", "x" * 51, "Bùdi"])
def test_names_are_letters_spaces_apostrophes_hyphens_and_dots(name: str) -> None:
    with pytest.raises(InvalidBooking) as exc:
        check_hold_request(request(replace(ADULT, first_name=name)), make_offer(), FakeAirports(), NOW)
    assert "first_name must be 1–50 characters" in problems(exc)["passengers.0.first_name"]


@pytest.mark.parametrize(
    ("kind", "born", "message"),
    [
        (
            "adult",
            date(2018, 5, 2),
            "an adult must be at least 12 years old on the departure date 2030-05-01",
        ),
        ("child", date(2018, 5, 1), "a child must be 2–11"),  # 12 on the departure day
        ("child", date(2028, 5, 2), "a child must be 2–11"),  # still 1
        ("infant", date(2028, 5, 1), "an infant must be under 2"),  # turns 2 that day
    ],
)
def test_date_of_birth_must_fit_the_type_on_the_departure_date(kind: str, born: date, message: str) -> None:
    others = () if kind == "adult" else (ADULT,)
    party = (
        ((PassengerType.ADULT, 1),)
        if kind == "adult"
        else ((PassengerType.ADULT, 1), (PassengerType(kind), 1))
    )
    offer = make_offer(party=party)
    passenger = PassengerInput(kind, "Sari", "Dewi", born, gender="f")
    with pytest.raises(InvalidBooking) as exc:
        check_hold_request(request(*others, passenger), offer, FakeAirports(), NOW)
    assert message in problems(exc)[f"passengers.{len(others)}.date_of_birth"]


def test_age_counts_whole_years() -> None:
    assert age_on(date(2018, 5, 2), date(2030, 5, 1)) == 11
    assert age_on(date(2018, 5, 1), date(2030, 5, 1)) == 12


def test_date_of_birth_in_the_future_is_refused() -> None:
    with pytest.raises(InvalidBooking) as exc:
        check_hold_request(
            request(replace(ADULT, date_of_birth=date(2031, 1, 1))), make_offer(), FakeAirports(), NOW
        )
    assert problems(exc)["passengers.0.date_of_birth"] == "date_of_birth must not be in the future."


def test_gender_or_title_is_needed_and_they_must_agree() -> None:
    none_given = replace(ADULT, title=None, gender=None)
    clash = replace(ADULT, title="mrs", gender="m")
    offer = make_offer(party=((PassengerType.ADULT, 2),))
    with pytest.raises(InvalidBooking) as exc:
        check_hold_request(request(none_given, replace(clash, first_name="Eko")), offer, FakeAirports(), NOW)
    assert problems(exc) == {
        "passengers.0.gender": "gender (m|f) or title (mr|mrs|ms) is required.",
        "passengers.1.title": "title mrs does not match gender m.",
    }


def test_a_domestic_trip_needs_no_passport() -> None:
    passengers, _ = check_hold_request(request(ADULT), make_offer(), FakeAirports(), NOW)
    assert passengers[0].passport_number is None


def test_a_trip_leaving_indonesia_needs_a_passport_valid_after_the_last_flight() -> None:
    offer = make_offer(route=("CGK", "SIN"), depart=datetime(2030, 5, 1, 6, 0, tzinfo=WIB))
    with pytest.raises(InvalidBooking) as exc:
        check_hold_request(request(ADULT), offer, FakeAirports(), NOW)
    assert problems(exc) == {
        "passengers.0.passport_number": "passport_number is required: the trip leaves Indonesia.",
        "passengers.0.passport_expiry": "passport_expiry is required: the trip leaves Indonesia.",
    }
    expiring = replace(ADULT, passport_number="b 1234567", passport_expiry=date(2030, 5, 1))
    with pytest.raises(InvalidBooking) as exc:
        check_hold_request(request(expiring), offer, FakeAirports(), NOW)
    assert problems(exc) == {
        "passengers.0.passport_expiry": "the passport must be valid after the last flight date 2030-05-01."
    }
    valid = replace(expiring, passport_expiry=date(2032, 1, 1), nationality="id")
    passengers, _ = check_hold_request(request(valid), offer, FakeAirports(), NOW)
    assert (passengers[0].passport_number, passengers[0].nationality) == ("B1234567", "ID")


def test_contact_email_and_phone_must_be_valid() -> None:
    with pytest.raises(InvalidBooking) as exc:
        check_hold_request(
            request(contact=ContactInput("not-an-email", "12345")), make_offer(), FakeAirports(), NOW
        )
    assert set(problems(exc)) == {"contact.email", "contact.phone"}


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("081234567890", "+6281234567890"),
        ("+62 812-3456-7890", "+6281234567890"),
        ("+65 8123 4567", "+6581234567"),
    ],
)
def test_phones_become_e164_reading_local_numbers_as_indonesian(raw: str, e164: str) -> None:
    assert normalise_phone(raw) == e164


def test_every_broken_rule_is_reported_at_once() -> None:
    bad = PassengerInput("adult", "B4di", "", date(2031, 1, 1))
    with pytest.raises(InvalidBooking) as exc:
        check_hold_request(request(bad, contact=ContactInput("x", "y")), make_offer(), FakeAirports(), NOW)
    assert len(exc.value.problems) == 6
