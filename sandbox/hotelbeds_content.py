"""The Content API of the Hotelbeds-shaped supplier: destinations with their zones, and a hotel's
static details (address, coordinates, rooms, boards). Texts come as `{"content": …}`, as APItude
writes them."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from hotelbeds_access import HotelbedsError, audit_data
from hotelbeds_inventory import BOARD_NAMES, DESTINATIONS, HOTELS, Hotel

router = APIRouter(prefix="/hotel-content-api/1.0")


def _text(value: str) -> dict[str, str]:
    return {"content": value}


@router.get("/locations/destinations")
async def destinations(request: Request, countryCodes: str = "ID") -> JSONResponse:
    listed = [
        {
            "code": d.code,
            "name": _text(d.name),
            "countryCode": "ID",
            "isoCode": "ID",
            "zones": [{"zoneCode": z.code, "name": z.name, "description": _text(z.name)} for z in d.zones],
        }
        for d in DESTINATIONS.values()
        if "ID" in countryCodes.upper().split(",")
    ]
    return JSONResponse(
        {
            "from": 1,
            "to": len(listed),
            "total": len(listed),
            "auditData": audit_data(request),
            "destinations": listed,
        }
    )


def hotel_details(hotel: Hotel) -> dict[str, Any]:
    destination = DESTINATIONS[hotel.destination]
    zone = next(z for z in destination.zones if z.code == hotel.zone)
    return {
        "code": hotel.code,
        "name": _text(hotel.name),
        "description": _text(
            f"{hotel.name} is a {hotel.stars}-star hotel in {zone.name}, {destination.name}."
        ),
        "countryCode": "ID",
        "stateCode": hotel.destination,
        "destinationCode": destination.code,
        "zoneCode": zone.code,
        "coordinates": {"latitude": float(hotel.latitude), "longitude": float(hotel.longitude)},
        "categoryCode": hotel.category_code,
        "categoryGroupCode": f"GRUPO{hotel.stars}",
        "address": _text(hotel.address),
        "city": _text(zone.name.upper()),
        "email": f"reservations@{hotel.code}.hotels.example",
        "boardCodes": list(hotel.boards),
        "boards": [{"code": b, "description": _text(BOARD_NAMES[b])} for b in hotel.boards],
        "rooms": [
            {
                "roomCode": r.code,
                "isParentRoom": False,
                "minPax": 1,
                "maxPax": r.max_pax,
                "maxAdults": r.max_adults,
                "maxChildren": r.max_children,
                "minAdults": 1,
                "description": r.name,
            }
            for r in hotel.rooms
        ],
    }


@router.get("/hotels/{code}/details")
async def details(request: Request, code: str) -> JSONResponse:
    hotel = HOTELS.get(int(code)) if code.isdigit() else None
    if hotel is None:
        raise HotelbedsError(400, "INVALID_DATA", f"Invalid data. The hotel {code} does not exist.")
    return JSONResponse({"auditData": audit_data(request), "hotel": hotel_details(hotel)})
