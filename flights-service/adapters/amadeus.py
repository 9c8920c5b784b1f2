"""SupplierClient for Amadeus Self-Service: OAuth2 client credentials, flight offers search
(GET /v2/shopping/flight-offers) and pricing (POST /v1/shopping/flight-offers/pricing); and its
booking operations: flight orders (the hold), the sandbox's issuance extension, DELETE to cancel."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from datetime import time as clock_time
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

from adapters.booking_common import assign_supplier_ids, split_phone, utc_instant
from adapters.normalise import (
    MalformedOffer,
    cabin,
    carrier_name,
    iso_duration_minutes,
    local_time,
    money,
)
from adapters.supplier_http import error_codes, error_text, json_object, send
from domain.bookings import Passenger, SupplierHold, SupplierOrder, Ticket
from domain.errors import (
    BookingCancelled,
    HoldExpired,
    HoldRefused,
    OfferExpired,
    PriceMovedAtHold,
    SupplierRejected,
    SupplierUnavailable,
)
from domain.models import (
    CURRENCY,
    Baggage,
    CabinClass,
    Itinerary,
    Offer,
    PassengerPrice,
    PassengerType,
    SearchCriteria,
    Segment,
    SupplierOffer,
)
from domain.offer_ids import encode_offer_id
from domain.repository import AirportDirectory
from shared.booking_lifecycle import Contact

NAME = "amadeus"
TOKEN_MARGIN_SECONDS = 30.0
logger = logging.getLogger("flights.amadeus")

_TRAVELER_TYPES = {
    "ADULT": PassengerType.ADULT,
    "SENIOR": PassengerType.ADULT,
    "YOUNG": PassengerType.ADULT,
    "STUDENT": PassengerType.ADULT,
    "CHILD": PassengerType.CHILD,
    "HELD_INFANT": PassengerType.INFANT,
    "SEATED_INFANT": PassengerType.INFANT,
}


class AmadeusClient:
    name = NAME

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        client_id: str,
        client_secret: str,
        airports: AirportDirectory,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._client_id = client_id
        self._client_secret = client_secret
        self._airports = airports
        self._monotonic = monotonic
        self._token: str | None = None
        self._token_expires = 0.0
        self._token_lock = asyncio.Lock()

    # --- auth -------------------------------------------------------------------------------

    async def _access_token(self, *, refresh: bool = False, stale: str | None = None) -> str:
        async with self._token_lock:
            if self._token and not refresh and self._monotonic() < self._token_expires:
                return self._token
            if refresh and self._token and self._token != stale:
                return self._token  # another request already refreshed it
            response = await send(
                self._client,
                NAME,
                "POST",
                "/v1/security/oauth2/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": self._client_id,
                    "client_secret": self._client_secret,
                },
            )
            body = json_object(response, NAME)
            if response.status_code != 200:
                raise SupplierUnavailable(
                    NAME, "authentication failed: " + _oauth_error(body, response.status_code)
                )
            token, expires_in = body.get("access_token"), body.get("expires_in")
            if not isinstance(token, str) or not token:
                raise SupplierUnavailable(NAME, "malformed token response")
            lifetime = float(expires_in) if isinstance(expires_in, int | float) else 1799.0
            self._token = token
            self._token_expires = self._monotonic() + max(lifetime - TOKEN_MARGIN_SECONDS, 0.0)
            return token

    async def _call(self, method: str, path: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        token = await self._access_token()
        headers = dict(kwargs.pop("headers", {}))
        for attempt in range(2):
            headers["Authorization"] = f"Bearer {token}"
            response = await send(self._client, NAME, method, path, headers=headers, **kwargs)
            if response.status_code == 401 and attempt == 0:
                # The token was revoked or expired early: fetch a new one and try once more.
                token = await self._access_token(refresh=True, stale=token)
                continue
            if response.status_code == 204:  # DELETE answers with no body
                return 204, {}
            body = json_object(response, NAME)
            if response.status_code >= 500 or response.status_code in (401, 403, 429):
                raise SupplierUnavailable(NAME, error_text(body, response.status_code))
            return response.status_code, body
        raise AssertionError("unreachable")

    # --- SupplierClient ---------------------------------------------------------------------

    async def search(self, criteria: SearchCriteria) -> list[SupplierOffer]:
        params: dict[str, str | int] = {
            "originLocationCode": criteria.origin,
            "destinationLocationCode": criteria.destination,
            "departureDate": criteria.departure_date.isoformat(),
            "adults": criteria.adults,
            "travelClass": criteria.cabin_class.value.upper(),
            "currencyCode": CURRENCY,
            "max": 250,
        }
        if criteria.return_date:
            params["returnDate"] = criteria.return_date.isoformat()
        if criteria.children:
            params["children"] = criteria.children
        if criteria.infants:
            params["infants"] = criteria.infants
        status, body = await self._call("GET", "/v2/shopping/flight-offers", params=params)
        if status != 200:
            raise SupplierRejected(NAME, error_text(body, status))
        data = body.get("data")
        if not isinstance(data, list):
            raise SupplierUnavailable(NAME, "malformed response (no data)")
        dictionaries = body.get("dictionaries") if isinstance(body.get("dictionaries"), dict) else {}
        return self._parse_all(data, dictionaries or {}, criteria)

    async def price(self, cached: SupplierOffer, criteria: SearchCriteria) -> SupplierOffer:
        status, body = await self._call(
            "POST",
            "/v1/shopping/flight-offers/pricing",
            headers={"X-HTTP-Method-Override": "GET"},
            json={"data": {"type": "flight-offers-pricing", "flightOffers": [cached.raw]}},
        )
        if status != 200:
            # Amadeus answers 4xx when the fare or seats can no longer be sold.
            raise OfferExpired(f"The offer can no longer be priced ({error_text(body, status)}).")
        data = body.get("data")
        offers = data.get("flightOffers") if isinstance(data, dict) else None
        if not isinstance(offers, list) or not offers:
            raise SupplierUnavailable(NAME, "malformed pricing response")
        dictionaries = body.get("dictionaries") if isinstance(body.get("dictionaries"), dict) else {}
        priced = self._parse_all(offers[:1], dictionaries or {}, criteria)
        if not priced:
            raise SupplierUnavailable(NAME, "malformed pricing response")
        return priced[0]

    # --- SupplierBookingClient ----------------------------------------------------------------

    async def hold(
        self, priced: SupplierOffer, passengers: tuple[Passenger, ...], contact: Contact
    ) -> SupplierHold:
        """POST /v1/booking/flight-orders with the priced offer: the order holds the seats until
        its ticketingAgreement deadline (DELAY_TO_CANCEL)."""
        slots = [
            (_TRAVELER_TYPES.get(str(tp.get("travelerType")), PassengerType.ADULT), str(tp.get("travelerId")))
            for tp in priced.raw.get("travelerPricings") or []
        ]
        travelers = assign_supplier_ids(NAME, passengers, slots)
        status, body = await self._call(
            "POST",
            "/v1/booking/flight-orders",
            json={
                "data": {
                    "type": "flight-order",
                    "flightOffers": [priced.raw],
                    "travelers": [_traveler(p, contact) for p in travelers],
                }
            },
        )
        if status not in (200, 201):
            codes = error_codes(body)
            if codes & PRICE_DISCREPANCY:
                raise PriceMovedAtHold(error_text(body, status))
            if codes & SOLD_OUT:
                raise HoldRefused(NAME, error_text(body, status))
            raise SupplierRejected(NAME, error_text(body, status))
        order = body.get("data")
        try:
            assert isinstance(order, dict)
            records = order.get("associatedRecords") or [{}]
            offer = order["flightOffers"][0]
            expires = _hold_deadline(order, offer)
            return SupplierHold(
                order_id=str(order["id"]),
                reference=str(records[0]["reference"]),
                total_price=money(offer["price"].get("grandTotal", offer["price"].get("total"))),
                hold_expires_at=expires,
                passengers=travelers,
            )
        except (AssertionError, KeyError, TypeError, IndexError, ValueError, MalformedOffer) as exc:
            raise SupplierUnavailable(NAME, "malformed flight-order response") from exc

    async def issue(self, order: SupplierOrder) -> tuple[Ticket, ...]:
        """⚠ The sandbox's documented extension POST /v1/booking/flight-orders/{id}/issuance
        (Self-Service itself has no ticketing call; production tickets via a consolidator)."""
        status, body = await self._call("POST", f"{_order_path(order.order_id)}/issuance")
        if status != 200:
            codes = error_codes(body)
            if codes & ORDER_EXPIRED or status == 404:
                raise HoldExpired(f"The hold has expired ({error_text(body, status)}).")
            if codes & ORDER_CANCELLED:
                raise BookingCancelled(f"The booking is cancelled ({error_text(body, status)}).")
            raise SupplierRejected(NAME, error_text(body, status))
        data = body.get("data")
        tickets = data.get("tickets") if isinstance(data, dict) else None
        if not isinstance(tickets, list) or not tickets:
            raise SupplierUnavailable(NAME, "malformed issuance response (no tickets)")
        names = {p.supplier_passenger_id: p.full_name for p in order.passengers}
        try:
            return tuple(
                Ticket(names.get(str(t["travelerId"]), ""), str(t["documentNumber"]), str(t["travelerId"]))
                for t in tickets
                if t.get("documentStatus", "ISSUED") == "ISSUED"
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise SupplierUnavailable(NAME, "malformed issuance response") from exc

    async def cancel(self, order: SupplierOrder) -> Decimal | None:
        """DELETE the order (204): a hold is released, a ticketed order voided. An order Amadeus
        no longer knows (404) is already cancelled. Amadeus names no refund amount: None."""
        status, body = await self._call("DELETE", _order_path(order.order_id))
        if status in (200, 204, 404):
            return None
        raise SupplierRejected(NAME, error_text(body, status))

    # --- parsing ----------------------------------------------------------------------------

    def _parse_all(
        self, data: list[Any], dictionaries: dict[str, Any], criteria: SearchCriteria
    ) -> list[SupplierOffer]:
        out: list[SupplierOffer] = []
        for raw in data:
            try:
                out.append(SupplierOffer(self.parse_offer(raw, dictionaries, criteria.cabin_class), raw))
            except (MalformedOffer, KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
                logger.warning("skipping a malformed Amadeus offer: %s", exc)
        if data and not out:
            raise SupplierUnavailable(NAME, "malformed response (no usable offer)")
        return out

    def parse_offer(
        self, raw: dict[str, Any], dictionaries: dict[str, Any], default_cabin: CabinClass
    ) -> Offer:
        carriers = dictionaries.get("carriers") or {}
        aircraft_names = dictionaries.get("aircraft") or {}
        itineraries = []
        for itinerary in raw["itineraries"]:
            segments = []
            for seg in itinerary["segments"]:
                dep, arr = seg["departure"], seg["arrival"]
                departure = local_time(dep["at"], dep["iataCode"], self._airports)
                arrival = local_time(arr["at"], arr["iataCode"], self._airports)
                minutes = iso_duration_minutes(seg.get("duration"))
                if minutes is None:
                    minutes = int((arrival - departure).total_seconds() // 60)
                code = str(seg["carrierCode"])
                aircraft_code = (seg.get("aircraft") or {}).get("code")
                operating = (seg.get("operating") or {}).get("carrierCode")
                segments.append(
                    Segment(
                        carrier_code=code,
                        carrier_name=carrier_name(code, carriers.get(code)),
                        flight_number=str(seg["number"]),
                        origin=dep["iataCode"],
                        destination=arr["iataCode"],
                        departure_at=departure,
                        arrival_at=arrival,
                        duration_minutes=minutes,
                        aircraft=aircraft_names.get(aircraft_code, aircraft_code) if aircraft_code else None,
                        operating_carrier_code=operating if operating and operating != code else None,
                    )
                )
            if not segments:
                raise MalformedOffer("itinerary without segments")
            total = iso_duration_minutes(itinerary.get("duration"))
            if total is None:
                total = int((segments[-1].arrival_at - segments[0].departure_at).total_seconds() // 60)
            itineraries.append(Itinerary(tuple(segments), total))
        if not itineraries:
            raise MalformedOffer("offer without itineraries")
        price = raw["price"]
        if price.get("currency") != CURRENCY:
            raise MalformedOffer(f"currency {price.get('currency')!r} is not {CURRENCY}")
        total_price = money(price.get("grandTotal", price.get("total")))

        travelers = raw.get("travelerPricings") or []
        counts: Counter[PassengerType] = Counter()
        each: dict[PassengerType, Any] = {}
        for tp in travelers:
            kind = _TRAVELER_TYPES.get(str(tp.get("travelerType")), PassengerType.ADULT)
            counts[kind] += 1
            each.setdefault(kind, money(tp["price"]["total"]))
        passenger_prices = tuple(
            PassengerPrice(kind, counts[kind], each[kind]) for kind in PassengerType if counts[kind]
        )
        if not passenger_prices:
            passenger_prices = (PassengerPrice(PassengerType.ADULT, 1, total_price),)

        fare = (travelers[0].get("fareDetailsBySegment") or [{}])[0] if travelers else {}
        bags = fare.get("includedCheckedBags") or {}
        cabin_bags = fare.get("includedCabinBags") or {}
        refundable = _refundable(raw, fare)
        digest = hashlib.sha256(
            json.dumps([raw["itineraries"], price.get("grandTotal")], sort_keys=True).encode()
        ).hexdigest()[:12]
        seats = raw.get("numberOfBookableSeats")
        return Offer(
            offer_id=encode_offer_id(NAME, str(raw["id"]), digest),
            supplier=NAME,
            supplier_offer_id=str(raw["id"]),
            itineraries=tuple(itineraries),
            cabin_class=cabin(fare.get("cabin"), default_cabin),
            total_price=total_price,
            passenger_prices=passenger_prices,
            fare_class=fare.get("class"),
            fare_basis=fare.get("fareBasis"),
            fare_brand=fare.get("brandedFareLabel") or fare.get("brandedFare"),
            baggage=Baggage(
                checked_pieces=bags.get("quantity"),
                checked_kg=bags.get("weight") if bags.get("weightUnit", "KG") == "KG" else None,
                cabin_pieces=cabin_bags.get("quantity"),
            ),
            refundable=refundable,
            seats_available=seats if isinstance(seats, int) else None,
        )


PRICE_DISCREPANCY = {"37200"}
SOLD_OUT = {"34651", "4926"}  # SEGMENT SELL FAILURE; "No fare applicable"
ORDER_EXPIRED = {"38034"}
ORDER_CANCELLED = {"38035"}
_GENDERS = {"m": "MALE", "f": "FEMALE"}


def _order_path(order_id: str) -> str:
    return f"/v1/booking/flight-orders/{quote(order_id, safe='')}"


def _traveler(p: Passenger, contact: Contact) -> dict[str, Any]:
    calling_code, number = split_phone(contact.phone)
    traveler: dict[str, Any] = {
        "id": p.supplier_passenger_id,
        "dateOfBirth": p.date_of_birth.isoformat(),
        "name": {"firstName": p.first_name.upper(), "lastName": p.last_name.upper()},
        "gender": _GENDERS[p.gender.value],
        "contact": {
            "emailAddress": contact.email,
            "phones": [{"deviceType": "MOBILE", "countryCallingCode": calling_code, "number": number}],
        },
    }
    if p.passport_number:
        document: dict[str, Any] = {"documentType": "PASSPORT", "number": p.passport_number, "holder": True}
        if p.passport_expiry:
            document["expiryDate"] = p.passport_expiry.isoformat()
        if p.nationality:
            document["nationality"] = p.nationality
            document["issuanceCountry"] = p.nationality
        traveler["documents"] = [document]
    return traveler


def _hold_deadline(order: dict[str, Any], offer: dict[str, Any]) -> datetime:
    """ticketingAgreement.dateTime (the sandbox writes it in UTC without an offset), else the
    offer's last ticketing date (end of that day, UTC)."""
    deadline = utc_instant((order.get("ticketingAgreement") or {}).get("dateTime"))
    if deadline is None:
        deadline = utc_instant(offer.get("lastTicketingDateTime"))
    if deadline is None and isinstance(offer.get("lastTicketingDate"), str):
        day = datetime.fromisoformat(offer["lastTicketingDate"]).date()
        deadline = datetime.combine(day, clock_time(23, 59), tzinfo=UTC)
    if deadline is None:
        raise MalformedOffer("the order has no ticketing deadline")
    return deadline


def _refundable(raw: dict[str, Any], fare: dict[str, Any]) -> bool | None:
    options = raw.get("pricingOptions") or {}
    if isinstance(options.get("refundableFare"), bool):
        return bool(options["refundableFare"])
    for amenity in fare.get("amenities") or []:
        if "REFUND" in str(amenity.get("description", "")).upper():
            return not amenity.get("isChargeable", False)
    return None


def _oauth_error(body: dict[str, Any], status: int) -> str:
    # The token endpoint answers {"error": "invalid_client", "error_description": …, "code": 38187}.
    if body.get("error"):
        return f"HTTP {status}: {body.get('error')} {body.get('error_description', '')}".strip()
    return error_text(body, status)
