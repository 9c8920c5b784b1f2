"""Amadeus Self-Service wire shapes: flight-offer JSON from a Quote, and back."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from airports import indonesian_airports
from carriers import AIRCRAFT_NAMES, CARRIERS
from fares import checked_bag_kg, money
from inventory import Itinerary
from offers import Quote

CITY_CODES = {"CGK": "JKT", "HLP": "JKT"}


def iso_duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, mins = divmod(minutes, 60)
    return f"PT{hours}H{mins}M" if mins else f"PT{hours}H"


def local_iso(moment: datetime) -> str:
    """Amadeus writes airport-local times without an offset."""
    return moment.replace(tzinfo=None).isoformat(timespec="seconds")


def fare_basis(fare_code: str, carrier: str) -> str:
    return f"{fare_code}{'OW' if fare_code in 'XV' else 'FL'}{carrier}ID"


def offer_json(offer_id: str, outbound: Quote, inbound: Quote | None, today: date) -> dict[str, Any]:
    quotes = [q for q in (outbound, inbound) if q is not None]
    itineraries: list[dict[str, Any]] = []
    fare_details: list[dict[str, Any]] = []
    seg_id = 0
    for q in quotes:
        for itinerary, claims in zip(q.itineraries, q.claims, strict=True):
            segments = []
            for flight, claim in zip(itinerary.flights, claims, strict=True):
                seg_id += 1
                segment: dict[str, Any] = {
                    "departure": {"iataCode": flight.origin.iata, "at": local_iso(flight.departure_local)},
                    "arrival": {"iataCode": flight.destination.iata, "at": local_iso(flight.arrival_local)},
                    "carrierCode": flight.carrier,
                    "number": flight.number,
                    "aircraft": {"code": flight.aircraft},
                    "operating": {"carrierCode": flight.carrier},
                    "duration": iso_duration(flight.duration),
                    "id": str(seg_id),
                    "numberOfStops": 0,
                    "blacklistedInEU": False,
                }
                if flight.origin_terminal:
                    segment["departure"]["terminal"] = flight.origin_terminal
                if flight.destination_terminal:
                    segment["arrival"]["terminal"] = flight.destination_terminal
                segments.append(segment)
                kg = checked_bag_kg(flight, claim.fare)
                fare_details.append(
                    {
                        "segmentId": str(seg_id),
                        "cabin": claim.fare.cabin,
                        "fareBasis": fare_basis(claim.fare.code, flight.carrier),
                        "brandedFare": claim.fare.brand.replace(" ", ""),
                        "brandedFareLabel": claim.fare.brand,
                        "class": claim.fare.code,
                        "includedCheckedBags": {"weight": kg, "weightUnit": "KG"} if kg else {"quantity": 0},
                    }
                )
            itineraries.append({"duration": iso_duration(itinerary.duration), "segments": segments})
    party = outbound.party
    per_type = {t: sum_prices(quotes, t) for t in set(party.types)}
    total_base = sum(per_type[t][0] for t in party.types)
    total_all = sum(per_type[t][0] + per_type[t][1] for t in party.types)
    traveler_pricings = []
    adult_ids = [str(i + 1) for i, t in enumerate(party.types) if t == "ADULT"]
    for i, pax_type in enumerate(party.types):
        base, taxes = per_type[pax_type]
        pricing: dict[str, Any] = {
            "travelerId": str(i + 1),
            "fareOption": "STANDARD",
            "travelerType": pax_type,
            "price": {"currency": "IDR", "total": money(base + taxes), "base": money(base)},
            "fareDetailsBySegment": fare_details,
        }
        if pax_type == "HELD_INFANT":
            pricing["associatedAdultId"] = adult_ids[(i - party.seats) % len(adult_ids)]
        traveler_pricings.append(pricing)
    first = outbound.itineraries[0].flights[0]
    last_ticketing = min(today + timedelta(days=1), first.departure_local.date())
    return {
        "type": "flight-offer",
        "id": offer_id,
        "source": "GDS",
        "instantTicketingRequired": False,
        "nonHomogeneous": False,
        "oneWay": False,
        "lastTicketingDate": last_ticketing.isoformat(),
        "lastTicketingDateTime": last_ticketing.isoformat(),
        "numberOfBookableSeats": min(q.bookable_seats for q in quotes),
        "itineraries": itineraries,
        "price": {
            "currency": "IDR",
            "total": money(total_all),
            "base": money(total_base),
            "fees": [{"amount": "0.00", "type": "SUPPLIER"}, {"amount": "0.00", "type": "TICKETING"}],
            "grandTotal": money(total_all),
        },
        "pricingOptions": {"fareType": ["PUBLISHED"], "includedCheckedBagsOnly": False},
        "validatingAirlineCodes": [first.carrier],
        "travelerPricings": traveler_pricings,
    }


def sum_prices(quotes: list[Quote], pax_type: str) -> tuple[int, int]:
    base = sum(q.price_by_type[pax_type].base for q in quotes)
    taxes = sum(q.price_by_type[pax_type].taxes for q in quotes)
    return base, taxes


def dictionaries(itineraries: list[Itinerary]) -> dict[str, Any]:
    airports = indonesian_airports()
    carriers: dict[str, str] = {}
    aircraft: dict[str, str] = {}
    locations: dict[str, dict[str, str]] = {}
    for itinerary in itineraries:
        for f in itinerary.flights:
            carriers[f.carrier] = CARRIERS[f.carrier].name.upper()
            aircraft[f.aircraft] = AIRCRAFT_NAMES.get(f.aircraft, f.aircraft)
            for code in (f.origin.iata, f.destination.iata):
                if code in airports:
                    locations[code] = {"cityCode": CITY_CODES.get(code, code), "countryCode": "ID"}
    return {
        "locations": locations,
        "aircraft": aircraft,
        "currencies": {"IDR": "RUPIAH"},
        "carriers": carriers,
    }


class UnreadableOffer(ValueError):
    pass


def read_offer(
    offer: dict[str, Any],
) -> tuple[list[list[tuple[str, str, str, str, date]]], list[list[str]], list[str]]:
    """What a posted flight-offer names: per itinerary the flights (carrier, number, origin,
    destination, date) and their booking classes, and the traveler types."""
    try:
        details = {d["segmentId"]: d for d in offer["travelerPricings"][0]["fareDetailsBySegment"]}
        flights: list[list[tuple[str, str, str, str, date]]] = []
        classes: list[list[str]] = []
        for itinerary in offer["itineraries"]:
            legs, codes = [], []
            for seg in itinerary["segments"]:
                legs.append(
                    (
                        str(seg["carrierCode"]),
                        str(seg["number"]),
                        str(seg["departure"]["iataCode"]),
                        str(seg["arrival"]["iataCode"]),
                        date.fromisoformat(str(seg["departure"]["at"])[:10]),
                    )
                )
                codes.append(str(details[seg["id"]]["class"]))
            flights.append(legs)
            classes.append(codes)
        types = [str(tp["travelerType"]) for tp in offer["travelerPricings"]]
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise UnreadableOffer(str(exc)) from exc
    if not flights or not types:
        raise UnreadableOffer("no itineraries or travelers")
    return flights, classes, types
