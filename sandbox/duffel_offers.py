"""Duffel offer requests (POST /air/offer_requests?return_offers=true) and single offers
(GET /air/offers/{id}, re-priced on every read)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from duffel_errors import SUPPLIER, authorized, not_found, offer_gone, required, sandbox, validation
from duffel_shapes import CABINS, DUFFEL_TYPES, DuffelOffer, duffel_id, offer_json, place, utc_iso
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from inventory import Itinerary
from offers import Party, Quote, combine, quote
from state import SandboxState

offers_router = APIRouter(dependencies=[Depends(authorized)])


def _passengers(raw: Any) -> list[str]:
    """Duffel passengers ({type} or {age}) as ADULT | CHILD | HELD_INFANT."""
    if not isinstance(raw, list) or not raw:
        raise required("passengers")
    types = []
    for i, p in enumerate(raw):
        if not isinstance(p, dict):
            raise validation(f"passengers.{i}", "must be an object")
        if "age" in p:
            age = p["age"]
            if not isinstance(age, int) or not 0 <= age <= 130:
                raise validation(f"passengers.{i}.age", "age must be a whole number of years")
            types.append("HELD_INFANT" if age < 2 else "CHILD" if age < 12 else "ADULT")
        elif p.get("type") in ("adult", "child", "infant_without_seat"):
            types.append(
                {"adult": "ADULT", "child": "CHILD", "infant_without_seat": "HELD_INFANT"}[p["type"]]
            )
        else:
            raise validation(f"passengers.{i}.type", "type must be adult, child or infant_without_seat")
    adults, children, infants = types.count("ADULT"), types.count("CHILD"), types.count("HELD_INFANT")
    if adults < 1 or adults + children > 9:
        raise validation("passengers", "between 1 and 9 seated passengers, at least one adult")
    if infants > adults:
        raise validation("passengers", "each infant without a seat needs an adult")
    return types


def _slice(state: SandboxState, i: int, raw: Any) -> tuple[str, str, date]:
    if not isinstance(raw, dict):
        raise validation(f"slices.{i}", "must be an object")
    codes = []
    for name in ("origin", "destination"):
        code = raw.get(name)
        if not code:
            raise required(f"slices.{i}.{name}")
        if not isinstance(code, str) or code not in state.inventory.airports:
            raise validation(f"slices.{i}.{name}", f"{code!r} is not a known airport IATA code")
        codes.append(code)
    if codes[0] == codes[1]:
        raise validation(f"slices.{i}.destination", "destination must differ from origin")
    try:
        day = date.fromisoformat(str(raw.get("departure_date")))
    except ValueError:
        raise validation(f"slices.{i}.departure_date", "must be a date (YYYY-MM-DD)") from None
    if day < state.today():
        raise validation(f"slices.{i}.departure_date", "departure_date must be in the future")
    return codes[0], codes[1], day


def _quotes_for(
    state: SandboxState, a: str, b: str, day: date, cabin: str, party: Party, max_connections: int
) -> list[Quote]:
    if not state.on_sale(day):
        return []
    out = []
    for itinerary in state.inventory.itineraries(a, b, day, max_connections):
        if not state.still_sellable(itinerary.flights[0].departure_local):
            continue
        q = quote(seed=state.seed, supplier=SUPPLIER, seats=state.seats, itineraries=(itinerary,),
                  cabin=cabin, party=party, today=state.today())  # fmt: skip
        if q is not None:
            out.append(q)
    return out


@offers_router.post("/air/offer_requests")
async def create_offer_request(
    request: Request, body: dict[str, Any], return_offers: bool = True
) -> JSONResponse:
    state = sandbox(request)
    data = body.get("data")
    if not isinstance(data, dict):
        raise required("data")
    raw_slices = data.get("slices")
    if not isinstance(raw_slices, list) or not 1 <= len(raw_slices) <= 2:
        raise validation("slices", "one slice (one way) or two (return) are supported")
    slices = [_slice(state, i, s) for i, s in enumerate(raw_slices)]
    if len(slices) == 2 and (slices[1][0], slices[1][1]) != (slices[0][1], slices[0][0]):
        raise validation("slices.1", "the second slice must return from the first slice's destination")
    types = _passengers(data.get("passengers"))
    cabin_class = data.get("cabin_class") or "economy"
    if cabin_class not in CABINS:
        raise validation("cabin_class", "cabin_class must be economy, premium_economy, business or first")
    max_connections = data.get("max_connections", 1)
    if max_connections not in (0, 1, 2):
        raise validation("max_connections", "max_connections must be 0, 1 or 2")
    party = Party(types.count("ADULT"), types.count("CHILD"), types.count("HELD_INFANT"))
    signature = (state.seed, tuple(slices), tuple(types), cabin_class)
    passengers = [
        {"id": duffel_id("pas", *signature, i), "type": DUFFEL_TYPES[t]} for i, t in enumerate(party.types)
    ]
    state.holds.sweep()
    cabin = CABINS[cabin_class]
    legs = [_quotes_for(state, a, b, d, cabin, party, min(max_connections, 1)) for a, b, d in slices]
    pairs = combine(legs[0], legs[1] if len(legs) > 1 else None, 200)
    now = state.clock()
    expires = now + timedelta(seconds=state.settings.sandbox.offer_ttl_seconds)
    offers_out = []
    for outbound, inbound in pairs:
        quotes = [q for q in (outbound, inbound) if q is not None]
        offer = DuffelOffer(
            id=duffel_id("off", state.seed, *(q.key for q in quotes)),
            slices=tuple(q.itineraries[0] for q in quotes),
            classes=[[c.fare.code for c in q.claims[0]] for q in quotes],
            party=party,
            passengers=passengers,
            cabin_class=cabin_class,
            created_at=now,
            expires_at=expires,
        )
        state.duffel_offers[offer.id] = offer
        offers_out.append(offer_json(offer, quotes))
    request_id = duffel_id("orq", state.holds.token(12))
    response = {
        "id": request_id,
        "live_mode": False,
        "created_at": utc_iso(now),
        "cabin_class": cabin_class,
        "client_key": None,
        "slices": [
            {
                "origin": place(state.inventory.airports[a]),
                "destination": place(state.inventory.airports[b]),
                "origin_type": "airport",
                "destination_type": "airport",
                "departure_date": d.isoformat(),
            }
            for a, b, d in slices
        ],
        "passengers": passengers,
        "offers": offers_out if return_offers else [],
    }
    return JSONResponse({"data": response}, status_code=201)


def requote(state: SandboxState, offer: DuffelOffer) -> list[Quote]:
    """The offer priced now (price_change_pct applied); gone when expired or sold out."""
    if state.clock() >= offer.expires_at or not state.still_sellable(
        offer.slices[0].flights[0].departure_local
    ):
        raise offer_gone()
    pct = state.knobs.get(SUPPLIER).price_change_pct
    quotes = []
    for itinerary, classes in zip(offer.slices, offer.classes, strict=True):
        q = quote(
            seed=state.seed,
            supplier=SUPPLIER,
            seats=state.seats,
            itineraries=(Itinerary(itinerary.flights),),
            cabin="",
            party=offer.party,
            today=state.today(),
            classes=[classes],
            price_change_pct=pct,
        )
        if q is None:
            raise offer_gone()
        quotes.append(q)
    return quotes


def find_offer(state: SandboxState, offer_id: str) -> DuffelOffer:
    offer = state.duffel_offers.get(offer_id)
    if not isinstance(offer, DuffelOffer):
        raise not_found("offer")
    return offer


@offers_router.get("/air/offers/{offer_id}")
async def get_offer(request: Request, offer_id: str) -> JSONResponse:
    state = sandbox(request)
    state.holds.sweep()
    offer = find_offer(state, offer_id)
    return JSONResponse({"data": offer_json(offer, requote(state, offer))})
