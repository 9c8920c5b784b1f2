"""Offers and search results as JSON for the caches (Redis or in-process)."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from domain.models import (
    Baggage,
    CabinClass,
    Itinerary,
    Offer,
    PassengerPrice,
    PassengerType,
    SearchCriteria,
    SearchResult,
    Segment,
    SupplierOffer,
    SupplierState,
    SupplierStatus,
)


def segment_to_dict(s: Segment) -> dict[str, Any]:
    return {
        "carrier_code": s.carrier_code,
        "carrier_name": s.carrier_name,
        "flight_number": s.flight_number,
        "origin": s.origin,
        "destination": s.destination,
        "departure_at": s.departure_at.isoformat(),
        "arrival_at": s.arrival_at.isoformat(),
        "duration_minutes": s.duration_minutes,
        "aircraft": s.aircraft,
        "operating_carrier_code": s.operating_carrier_code,
    }


def offer_to_dict(o: Offer) -> dict[str, Any]:
    return {
        "offer_id": o.offer_id,
        "supplier": o.supplier,
        "supplier_offer_id": o.supplier_offer_id,
        "itineraries": [
            {"duration_minutes": it.duration_minutes, "segments": [segment_to_dict(s) for s in it.segments]}
            for it in o.itineraries
        ],
        "cabin_class": o.cabin_class.value,
        "total_price": str(o.total_price),
        "passenger_prices": [
            {"passenger_type": p.passenger_type.value, "count": p.count, "price_each": str(p.price_each)}
            for p in o.passenger_prices
        ],
        "fare_class": o.fare_class,
        "fare_basis": o.fare_basis,
        "fare_brand": o.fare_brand,
        "baggage": {
            "checked_pieces": o.baggage.checked_pieces,
            "checked_kg": o.baggage.checked_kg,
            "cabin_pieces": o.baggage.cabin_pieces,
        },
        "refundable": o.refundable,
        "seats_available": o.seats_available,
        "expires_at": o.expires_at.isoformat() if o.expires_at else None,
        "currency": o.currency,
    }


def offer_from_dict(d: dict[str, Any]) -> Offer:
    return Offer(
        offer_id=d["offer_id"],
        supplier=d["supplier"],
        supplier_offer_id=d["supplier_offer_id"],
        itineraries=tuple(
            Itinerary(
                segments=tuple(
                    Segment(
                        carrier_code=s["carrier_code"],
                        carrier_name=s["carrier_name"],
                        flight_number=s["flight_number"],
                        origin=s["origin"],
                        destination=s["destination"],
                        departure_at=datetime.fromisoformat(s["departure_at"]),
                        arrival_at=datetime.fromisoformat(s["arrival_at"]),
                        duration_minutes=s["duration_minutes"],
                        aircraft=s["aircraft"],
                        operating_carrier_code=s["operating_carrier_code"],
                    )
                    for s in it["segments"]
                ),
                duration_minutes=it["duration_minutes"],
            )
            for it in d["itineraries"]
        ),
        cabin_class=CabinClass(d["cabin_class"]),
        total_price=Decimal(d["total_price"]),
        passenger_prices=tuple(
            PassengerPrice(PassengerType(p["passenger_type"]), p["count"], Decimal(p["price_each"]))
            for p in d["passenger_prices"]
        ),
        fare_class=d["fare_class"],
        fare_basis=d["fare_basis"],
        fare_brand=d["fare_brand"],
        baggage=Baggage(**d["baggage"]),
        refundable=d["refundable"],
        seats_available=d["seats_available"],
        expires_at=datetime.fromisoformat(d["expires_at"]) if d["expires_at"] else None,
        currency=d["currency"],
    )


def criteria_to_dict(c: SearchCriteria) -> dict[str, Any]:
    return {
        "origin": c.origin,
        "destination": c.destination,
        "departure_date": c.departure_date.isoformat(),
        "return_date": c.return_date.isoformat() if c.return_date else None,
        "adults": c.adults,
        "children": c.children,
        "infants": c.infants,
        "cabin_class": c.cabin_class.value,
    }


def criteria_from_dict(d: dict[str, Any]) -> SearchCriteria:
    return SearchCriteria(
        origin=d["origin"],
        destination=d["destination"],
        departure_date=date.fromisoformat(d["departure_date"]),
        return_date=date.fromisoformat(d["return_date"]) if d["return_date"] else None,
        adults=d["adults"],
        children=d["children"],
        infants=d["infants"],
        cabin_class=CabinClass(d["cabin_class"]),
    )


def cached_offer_to_dict(offer: SupplierOffer, criteria: SearchCriteria) -> dict[str, Any]:
    return {"offer": offer_to_dict(offer.offer), "raw": offer.raw, "criteria": criteria_to_dict(criteria)}


def cached_offer_from_dict(d: dict[str, Any]) -> tuple[SupplierOffer, SearchCriteria]:
    return SupplierOffer(offer_from_dict(d["offer"]), d["raw"]), criteria_from_dict(d["criteria"])


def result_to_dict(r: SearchResult) -> dict[str, Any]:
    return {
        "search_id": r.search_id,
        "offers": [offer_to_dict(o) for o in r.offers],
        "suppliers": [
            {
                "name": s.name,
                "status": s.status.value,
                "count": s.count,
                "elapsed_ms": s.elapsed_ms,
                "error": s.error,
            }
            for s in r.suppliers
        ],
    }


def result_from_dict(d: dict[str, Any]) -> SearchResult:
    return SearchResult(
        search_id=d["search_id"],
        offers=tuple(offer_from_dict(o) for o in d["offers"]),
        suppliers=tuple(
            SupplierStatus(s["name"], SupplierState(s["status"]), s["count"], s["elapsed_ms"], s["error"])
            for s in d["suppliers"]
        ),
    )


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))
