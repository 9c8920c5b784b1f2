"""Amadeus flight-offers search (GET /v2/shopping/flight-offers) and pricing
(POST /v1/shopping/flight-offers/pricing)."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Annotated, Any

from amadeus_access import SUPPLIER, Authorized, sandbox
from amadeus_errors import AmadeusError, sold_out
from amadeus_shapes import UnreadableOffer, dictionaries, offer_json, read_offer
from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from inventory import Itinerary
from offers import Party, Quote, combine, quote
from state import SandboxState

IATA = re.compile(r"^[A-Z]{3}$")
TRAVEL_CLASSES = ("ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST")
offers_router = APIRouter()


def _location(state: SandboxState, name: str, value: str) -> str:
    if not IATA.match(value):
        raise AmadeusError(400, 477, "INVALID FORMAT", f"{name} must be a 3-letter IATA code", name)
    if value not in state.inventory.airports:
        raise AmadeusError(
            400, 895, "NOTHING FOUND FOR REQUESTED CITY PAIR", f"unknown location {value}", name
        )
    return value


def _date(state: SandboxState, name: str, value: str) -> date:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise AmadeusError(400, 477, "INVALID FORMAT", f"{name} must be YYYY-MM-DD", name) from None
    if day < state.today():
        raise AmadeusError(400, 425, "INVALID DATE", "Date/Time is in the past", name)
    return day


def _quotes(
    state: SandboxState, a: str, b: str, day: date, cabin: str, party: Party, non_stop: bool
) -> list[Quote]:
    if not state.on_sale(day):
        return []
    out = []
    for itinerary in state.inventory.itineraries(a, b, day, 0 if non_stop else 1):
        if not state.still_sellable(itinerary.flights[0].departure_local):
            continue
        q = quote(
            seed=state.seed,
            supplier=SUPPLIER,
            seats=state.seats,
            itineraries=(itinerary,),
            cabin=cabin,
            party=party,
            today=state.today(),
        )
        if q is not None:
            out.append(q)
    return out


@offers_router.get("/v2/shopping/flight-offers", dependencies=[Authorized])
async def search(
    request: Request,
    originLocationCode: str | None = None,
    destinationLocationCode: str | None = None,
    departureDate: str | None = None,
    adults: int | None = None,
    returnDate: str | None = None,
    children: int = 0,
    infants: int = 0,
    travelClass: str | None = None,
    includedAirlineCodes: str | None = None,
    excludedAirlineCodes: str | None = None,
    nonStop: bool = False,
    currencyCode: str = "IDR",
    maxPrice: int | None = None,
    max: Annotated[int, Query(ge=1, le=250)] = 250,
) -> JSONResponse:
    state = sandbox(request)
    required = {"originLocationCode": originLocationCode, "destinationLocationCode": destinationLocationCode,
                "departureDate": departureDate, "adults": adults}  # fmt: skip
    missing = [name for name, value in required.items() if value is None]
    if missing:
        raise AmadeusError(400, 32171, "MANDATORY DATA MISSING", f"{missing[0]} is mandatory", missing[0])
    assert originLocationCode
    assert destinationLocationCode
    assert departureDate
    assert adults is not None
    origin = _location(state, "originLocationCode", originLocationCode)
    destination = _location(state, "destinationLocationCode", destinationLocationCode)
    if origin == destination:
        raise AmadeusError(
            400,
            4926,
            "INVALID DATA RECEIVED",
            "origin and destination are the same",
            "destinationLocationCode",
        )
    day = _date(state, "departureDate", departureDate)
    back = _date(state, "returnDate", returnDate) if returnDate else None
    if back is not None and back < day:
        raise AmadeusError(
            400, 4926, "INVALID DATA RECEIVED", "returnDate is before departureDate", "returnDate"
        )
    if not 1 <= adults <= 9 or children < 0 or adults + children > 9:
        raise AmadeusError(
            400, 4926, "INVALID DATA RECEIVED", "Number of seated travelers must be 1 to 9", "adults"
        )
    if not 0 <= infants <= adults:
        raise AmadeusError(400, 4926, "INVALID DATA RECEIVED", "Infants cannot outnumber adults", "infants")
    cabin = travelClass or "ECONOMY"
    if cabin not in TRAVEL_CLASSES:
        raise AmadeusError(
            400,
            477,
            "INVALID FORMAT",
            "travelClass must be one of " + ", ".join(TRAVEL_CLASSES),
            "travelClass",
        )
    if currencyCode != "IDR":
        raise AmadeusError(
            400, 4926, "INVALID DATA RECEIVED", "this sandbox prices in IDR only", "currencyCode"
        )
    state.holds.sweep()
    party = Party(adults, children, infants)
    outbound = _quotes(state, origin, destination, day, cabin, party, nonStop)
    inbound = _quotes(state, destination, origin, back, cabin, party, nonStop) if back else None
    include = set(includedAirlineCodes.split(",")) if includedAirlineCodes else None
    exclude = set(excludedAirlineCodes.split(",")) if excludedAirlineCodes else set()

    def carriers_ok(q: Quote) -> bool:
        codes = {f.carrier for it in q.itineraries for f in it.flights}
        return (include is None or codes <= include) and not codes & exclude

    outbound = [q for q in outbound if carriers_ok(q)]
    inbound = [q for q in inbound if carriers_ok(q)] if inbound is not None else None
    pairs = combine(outbound, inbound, 10_000)
    if maxPrice is not None:
        pairs = [p for p in pairs if p[0].total.total + (p[1].total.total if p[1] else 0) <= maxPrice]
    pairs = pairs[:max]
    today = state.today()
    data = [offer_json(str(i + 1), o, r, today) for i, (o, r) in enumerate(pairs)]
    used: list[Itinerary] = [it for o, r in pairs for q in (o, r) if q for it in q.itineraries]
    return JSONResponse({"meta": {"count": len(data)}, "data": data, "dictionaries": dictionaries(used)})


def requote_offer(
    state: SandboxState, offer: dict[str, Any], price_change_pct: float, booking: bool = False
) -> tuple[Quote, Quote | None]:
    """Finds the posted offer's flights again and prices them now (sold out: an Amadeus 400)."""
    try:
        flights, classes, types = read_offer(offer)
    except UnreadableOffer as exc:
        raise AmadeusError(
            400, 4926, "INVALID DATA RECEIVED", f"flight offer is not readable: {exc}"
        ) from exc
    counts = Counter(types)
    party = Party(counts["ADULT"], counts["CHILD"], counts["HELD_INFANT"])
    quotes: list[Quote] = []
    seg = 0
    for legs, codes in zip(flights, classes, strict=True):
        found = []
        for carrier, number, origin, destination, day in legs:
            seg += 1
            flight = state.inventory.find_flight(carrier, number, origin, destination, day)
            if flight is None or not state.still_sellable(flight.departure_local):
                raise AmadeusError(400, 4926, "INVALID DATA RECEIVED", f"segment {seg} does not exist")
            found.append(flight)
        q = quote(
            seed=state.seed,
            supplier=SUPPLIER,
            seats=state.seats,
            itineraries=(Itinerary(tuple(found)),),
            cabin="",
            party=party,
            today=state.today(),
            classes=[codes],
            price_change_pct=price_change_pct,
        )
        if q is None:
            # Pricing says no fare applies; a booking says the airline would not sell the seat.
            if booking:
                raise sold_out(seg)
            raise AmadeusError(400, 4926, "INVALID DATA RECEIVED", "No fare applicable")
        quotes.append(q)
    return quotes[0], (quotes[1] if len(quotes) > 1 else None)


@offers_router.post("/v1/shopping/flight-offers/pricing", dependencies=[Authorized])
async def price(
    request: Request,
    body: dict[str, Any],
    x_http_method_override: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    state = sandbox(request)
    if (x_http_method_override or "").upper() != "GET":
        raise AmadeusError(400, 4926, "INVALID DATA RECEIVED", "X-HTTP-Method-Override: GET is mandatory")
    data = body.get("data") if isinstance(body.get("data"), dict) else None
    offers = data.get("flightOffers") if data else None
    if not data or data.get("type") != "flight-offers-pricing" or not isinstance(offers, list) or not offers:
        raise AmadeusError(400, 32171, "MANDATORY DATA MISSING", "data.flightOffers is mandatory")
    state.holds.sweep()
    pct = state.knobs.get(SUPPLIER).price_change_pct
    priced = []
    for offer in offers:
        outbound, inbound = requote_offer(state, offer, pct)
        priced.append(offer_json(str(offer.get("id", "1")), outbound, inbound, state.today()))
    used = [it for o in priced for it in _itineraries_of(state, o)]
    return JSONResponse(
        {
            "data": {"type": "flight-offers-pricing", "flightOffers": priced, "bookingRequirements": {
                "emailAddressRequired": True, "mobilePhoneNumberRequired": True}},
            "dictionaries": {"locations": dictionaries(used)["locations"]},
        }
    )  # fmt: skip


def _itineraries_of(state: SandboxState, offer: dict[str, Any]) -> list[Itinerary]:
    flights, _, _ = read_offer(offer)
    out = []
    for legs in flights:
        found = [state.inventory.find_flight(*leg) for leg in legs]
        out.append(Itinerary(tuple(f for f in found if f is not None)))
    return out
