"""Duffel wire shapes: places, offers, orders, built from quotes and held state."""

from __future__ import annotations

import string
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from airports import Airport
from amadeus_shapes import iso_duration, local_iso
from carriers import AIRCRAFT_NAMES, CARRIERS
from fares import checked_bag_kg, money
from inventory import Itinerary, stable_int
from offers import Party, Quote

ALPHABET = string.digits + string.ascii_letters
CABINS = {
    "economy": "ECONOMY",
    "business": "BUSINESS",
    "premium_economy": "PREMIUM_ECONOMY",
    "first": "FIRST",
}
DUFFEL_TYPES = {"ADULT": "adult", "CHILD": "child", "HELD_INFANT": "infant_without_seat"}


def duffel_id(prefix: str, *parts: object) -> str:
    """Duffel-looking ids (prefix_0000 + 22 base62 characters), stable for the same parts."""
    n = stable_int(prefix, *parts) * (2**64) + stable_int("again", prefix, *parts)
    chars = []
    for _ in range(22):
        n, r = divmod(n, 62)
        chars.append(ALPHABET[r])
    return f"{prefix}_0000" + "".join(chars)


def utc_iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


@dataclass
class DuffelOffer:
    """What the sandbox remembers of an offer so GET /air/offers/{id} and orders can re-price it."""

    id: str
    slices: tuple[Itinerary, ...]
    classes: list[list[str]]
    party: Party
    passengers: list[dict[str, Any]]  # [{id, type, age?}]
    cabin_class: str
    created_at: datetime
    expires_at: datetime


def place(a: Airport) -> dict[str, Any]:
    return {
        "type": "airport",
        "id": f"arp_{a.iata.lower()}_id",
        "iata_code": a.iata,
        "icao_code": a.icao,
        "name": a.name,
        "city_name": a.city.split(",")[0].split("-")[0].strip(),
        "iata_country_code": "ID",
        "latitude": a.lat,
        "longitude": a.lon,
        "time_zone": a.tz,
    }


def carrier(code: str) -> dict[str, Any]:
    return {"id": f"arl_00009VME7D6ivUu8dn3{code}", "iata_code": code, "name": CARRIERS[code].name}


def conditions(quotes: list[Quote]) -> dict[str, Any]:
    fares = [c.fare for q in quotes for c in q.all_claims]
    refundable = all(f.refundable for f in fares)
    changeable = all(f.changeable for f in fares)
    return {
        "refund_before_departure": {
            "allowed": refundable,
            "penalty_amount": "150000.00" if refundable else None,
            "penalty_currency": "IDR" if refundable else None,
        },
        "change_before_departure": {
            "allowed": changeable,
            "penalty_amount": "100000.00" if changeable else None,
            "penalty_currency": "IDR" if changeable else None,
        },
    }


def slices_json(offer: DuffelOffer, quotes: list[Quote]) -> list[dict[str, Any]]:
    out = []
    for q in quotes:
        itinerary, claims = q.itineraries[0], q.claims[0]
        segments = []
        for flight, claim in zip(itinerary.flights, claims, strict=True):
            kg = checked_bag_kg(flight, claim.fare)
            segments.append(
                {
                    "id": duffel_id("seg", offer.id, flight.key),
                    "origin": place(flight.origin),
                    "destination": place(flight.destination),
                    "origin_terminal": flight.origin_terminal,
                    "destination_terminal": flight.destination_terminal,
                    "departing_at": local_iso(flight.departure_local),
                    "arriving_at": local_iso(flight.arrival_local),
                    "duration": iso_duration(flight.duration),
                    "distance": f"{flight.distance_km:.1f}",
                    "marketing_carrier": carrier(flight.carrier),
                    "marketing_carrier_flight_number": flight.number,
                    "operating_carrier": carrier(flight.carrier),
                    "operating_carrier_flight_number": flight.number,
                    "aircraft": {"iata_code": flight.aircraft, "name": AIRCRAFT_NAMES.get(flight.aircraft)},
                    "stops": [],
                    "passengers": [
                        {
                            "passenger_id": p["id"],
                            "cabin_class": claim.fare.cabin.lower(),
                            "cabin_class_marketing_name": claim.fare.cabin.title(),
                            "fare_basis_code": f"{claim.fare.code}{flight.carrier}ID",
                            "baggages": [
                                {"type": "checked", "quantity": 1 if kg else 0},
                                {"type": "carry_on", "quantity": 1},
                            ],
                        }
                        for p in offer.passengers
                    ],
                }
            )
        first, last = itinerary.flights[0], itinerary.flights[-1]
        out.append(
            {
                "id": duffel_id("sli", offer.id, itinerary.key),
                "origin": place(first.origin),
                "origin_type": "airport",
                "destination": place(last.destination),
                "destination_type": "airport",
                "duration": iso_duration(itinerary.duration),
                "fare_brand_name": claims[0].fare.brand.title(),
                "segments": segments,
            }
        )
    return out


def offer_json(offer: DuffelOffer, quotes: list[Quote]) -> dict[str, Any]:
    base = sum(q.total.base for q in quotes)
    tax = sum(q.total.taxes for q in quotes)
    owner = quotes[0].itineraries[0].flights[0].carrier
    return {
        "id": offer.id,
        "live_mode": False,
        "created_at": utc_iso(offer.created_at),
        "updated_at": utc_iso(offer.created_at),
        "expires_at": utc_iso(offer.expires_at),
        "total_amount": money(base + tax),
        "total_currency": "IDR",
        "base_amount": money(base),
        "base_currency": "IDR",
        "tax_amount": money(tax),
        "tax_currency": "IDR",
        "total_emissions_kg": str(
            sum(int(f.distance_km * 0.09) for q in quotes for f in q.itineraries[0].flights)
        ),
        "owner": carrier(owner),
        "slices": slices_json(offer, quotes),
        "passengers": offer.passengers,
        "passenger_identity_documents_required": False,
        "supported_passenger_identity_document_types": [],
        "payment_requirements": {
            "requires_instant_payment": False,
            "price_guarantee_expires_at": utc_iso(offer.expires_at),
            "payment_required_by": utc_iso(offer.expires_at),
        },
        "conditions": conditions(quotes),
        "available_services": None,
    }
