"""What a flight booking says it sells (quote lines that add up to the supplier's total) and what
it delivers (one e-ticket per passenger, departure in local time with its zone)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from domain.bookings import Booking, Ticket
from domain.e_tickets import e_tickets, local_time
from domain.models import Itinerary, Offer, PassengerPrice, PassengerType
from domain.quotes import itineraries_of, quote_for
from shared.booking_lifecycle import BookingStatus, Contact, LineItem
from tests.fakes import HOLD_EXPIRY, NOW, WIB, FakeAirports, make_offer

SGT = timezone(timedelta(hours=8))
ADULTS = PassengerType.ADULT


def priced(total: str, *prices: tuple[PassengerType, int, str]) -> Offer:
    offer = make_offer(supplier="duffel", price=total)
    return replace(offer, passenger_prices=tuple(PassengerPrice(k, n, Decimal(p)) for k, n, p in prices))


def lines_total(lines: tuple[LineItem, ...]) -> Decimal:
    return sum((line.quantity * line.unit_price for line in lines), Decimal("0"))


def test_one_line_per_passenger_type_when_the_fares_add_up() -> None:
    offer = priced("2500000", (ADULTS, 2, "1000000"), (PassengerType.INFANT, 1, "500000"))
    lines = quote_for(offer, Decimal("2500000"), itineraries_of(offer, FakeAirports()))
    assert lines == (
        LineItem("Adult fare CGK-DPS GA 402 2030-05-01", 2, Decimal("1000000.00")),
        LineItem("Infant fare CGK-DPS GA 402 2030-05-01", 1, Decimal("500000.00")),
    )


def test_an_even_split_that_does_not_divide_puts_the_remainder_on_one_passengers_line() -> None:
    offer = priced("1000000", (ADULTS, 3, "333333"))
    lines = quote_for(offer, Decimal("1000000"), itineraries_of(offer, FakeAirports()))
    assert [(line.quantity, line.unit_price) for line in lines] == [
        (2, Decimal("333333.00")),
        (1, Decimal("333334.00")),
    ]
    assert lines_total(lines) == Decimal("1000000.00")


def test_a_total_above_the_fares_is_carried_by_a_single_passengers_fare() -> None:
    offer = priced("1250500", (ADULTS, 1, "1250000"))
    lines = quote_for(offer, Decimal("1250500"), itineraries_of(offer, FakeAirports()))
    assert [(line.quantity, line.unit_price) for line in lines] == [(1, Decimal("1250500.00"))]


def test_a_return_trip_names_both_directions_and_zones_come_from_the_airports() -> None:
    out = make_offer(route=("CGK", "SIN"))
    back = make_offer(
        route=("SIN", "CGK"), flights=(("GA", "403"),), depart=datetime(2030, 5, 8, 9, 0, tzinfo=SGT)
    )
    offer = replace(out, itineraries=(*out.itineraries, *back.itineraries))
    itineraries = itineraries_of(offer, FakeAirports())
    assert [(legs[0].origin, legs[0].zone) for legs in itineraries] == [("CGK", "WIB"), ("SIN", None)]
    lines = quote_for(offer, offer.total_price, itineraries)
    assert lines[0].description == "Adult fare CGK-SIN GA 402 2030-05-01 / SIN-CGK GA 403 2030-05-08"


def test_a_connection_lists_every_airport_and_flight() -> None:
    offer = make_offer(flights=(("GA", "402"), ("GA", "644")), route=("CGK", "SUB", "DPS"))
    lines = quote_for(offer, offer.total_price, itineraries_of(offer, FakeAirports()))
    assert lines[0].description == "Adult fare CGK-SUB-DPS GA 402, GA 644 2030-05-01"


def booking(itineraries: tuple[Itinerary, ...] | None = None) -> Booking:
    offer = make_offer(route=("CGK", "SIN"))
    if itineraries is not None:
        offer = replace(offer, itineraries=itineraries)
    return Booking(
        reference="ref",
        idempotency_key="key",
        offer_id=offer.offer_id,
        supplier="amadeus",
        supplier_order_id="ord_1",
        supplier_reference="ABC123",
        status=BookingStatus.HELD,
        total_price=Decimal("1000000"),
        hold_expires_at=HOLD_EXPIRY,
        passengers=(),
        contact=Contact("a@b.id", "+6281234567890"),
        created_at=NOW,
        updated_at=NOW,
        itineraries=itineraries_of(offer, FakeAirports()),
    )


def test_e_tickets_exist_once_issued_one_per_passenger() -> None:
    held = booking()
    assert e_tickets(held) == ()
    issued = held.moved_to(
        BookingStatus.ISSUED,
        NOW,
        tickets=(Ticket("Budi Santoso", "126-1000000000"), Ticket("Sari Dewi", "126-1000000001")),
    )
    documents = e_tickets(issued)
    assert [(d.kind, d.reference, d.title) for d in documents] == [
        ("e-ticket", "126-1000000000", "E-ticket Budi Santoso"),
        ("e-ticket", "126-1000000001", "E-ticket Sari Dewi"),
    ]
    assert dict(documents[1].fields) == {
        "passenger": "Sari Dewi",
        "ticket_number": "126-1000000001",
        "booking_code": "ABC123",
        "flight": "GA 402",
        "route": "CGK → SIN",
        "departure": "2030-05-01 06:00 WIB (UTC+07:00)",
    }


def test_a_return_trip_ticket_shows_the_return_departure_in_its_local_time() -> None:
    out = make_offer(route=("CGK", "SIN")).itineraries
    back = make_offer(
        route=("SIN", "CGK"), flights=(("GA", "403"),), depart=datetime(2030, 5, 8, 9, 0, tzinfo=SGT)
    ).itineraries
    issued = booking((*out, *back)).moved_to(
        BookingStatus.ISSUED, NOW, tickets=(Ticket("Budi Santoso", "126-1"),)
    )
    fields = dict(e_tickets(issued)[0].fields)
    assert (fields["flight"], fields["route"]) == ("GA 402, GA 403", "CGK → SIN, SIN → CGK")
    assert fields["return_departure"] == "2030-05-08 09:00 (UTC+08:00)"


def test_local_times_name_indonesian_zones_and_always_give_the_offset() -> None:
    assert local_time(datetime(2030, 5, 1, 6, 0, tzinfo=WIB), "WIB") == "2030-05-01 06:00 WIB (UTC+07:00)"
    assert local_time(datetime(2030, 5, 1, 9, 5, tzinfo=SGT), None) == "2030-05-01 09:05 (UTC+08:00)"
