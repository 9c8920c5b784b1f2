"""What a flight booking sells, as the booking contract's quote says it: one line per passenger
type (the fare each, times the count), adding up exactly to the total the supplier confirmed.

Suppliers do not always price each passenger so that the lines add up: Duffel prices only the
whole offer (our per-passenger fare is an even split rounded to the rupiah), and a fee may sit on
the total alone. The difference goes on a line of its own for one passenger of the first type,
so the lines are still fares people recognise and Σ quantity × unit_price == total to the sen.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from domain.bookings import FlightLeg
from domain.models import Offer, PassengerType
from domain.repository import AirportDirectory
from shared.booking_lifecycle import LineItem
from shared.money import to_money

DESCRIPTION_MAX = 200
TYPE_NAMES = {PassengerType.ADULT: "Adult", PassengerType.CHILD: "Child", PassengerType.INFANT: "Infant"}
# Indonesia's three time zones, as people there name them.
ZONES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def itineraries_of(offer: Offer, airports: AirportDirectory) -> tuple[tuple[FlightLeg, ...], ...]:
    """The offer's flights by direction, each with the local zone name of its departure airport."""

    def zone(code: str) -> str | None:
        airport = airports.get(code)
        return ZONES.get(airport.timezone) if airport is not None and airport.country == "ID" else None

    return tuple(
        tuple(
            FlightLeg(
                s.carrier_code, s.flight_number, s.origin, s.destination, s.departure_at, zone(s.origin)
            )
            for s in itinerary.segments
        )
        for itinerary in offer.itineraries
    )


def trip_summary(itineraries: tuple[tuple[FlightLeg, ...], ...]) -> str:
    """ "CGK-DPS GA 410 2026-12-20", one part per direction ("… / DPS-CGK GA 411 2026-12-27")."""
    parts = []
    for legs in itineraries:
        route = "-".join([legs[0].origin, *(leg.destination for leg in legs)])
        flights = ", ".join(leg.designator for leg in legs)
        parts.append(f"{route} {flights} {legs[0].departure_at.date().isoformat()}")
    return " / ".join(parts)


def quote_for(
    offer: Offer, total: Decimal, itineraries: tuple[tuple[FlightLeg, ...], ...]
) -> tuple[LineItem, ...]:
    """The quote of a hold: the offer's fare per passenger type, adding up to `total` exactly."""
    trip = trip_summary(itineraries)
    lines = [
        LineItem(_description(f"{TYPE_NAMES[p.passenger_type]} fare {trip}"), p.count, to_money(p.price_each))
        for p in offer.passenger_prices
        if p.count > 0
    ]
    total = to_money(total)
    if not lines:  # pragma: no cover - every normalised offer prices at least one passenger
        return (LineItem(_description(f"Fare {trip}"), 1, total),)
    remainder = total - sum((line.quantity * line.unit_price for line in lines), Decimal("0.00"))
    if remainder:
        first = lines[0]
        adjusted = replace(first, quantity=1, unit_price=first.unit_price + remainder)
        lines[0:1] = (
            [replace(first, quantity=first.quantity - 1), adjusted] if first.quantity > 1 else [adjusted]
        )
    return tuple(lines)


def _description(text: str) -> str:
    return text if len(text) <= DESCRIPTION_MAX else text[: DESCRIPTION_MAX - 1] + "…"
