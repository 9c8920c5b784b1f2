"""The Hotelbeds APItude adapter (Booking API 1.0 and Content API 1.0) over httpx.

Every call is signed: `Api-key` and `X-Signature` = hex SHA-256 of api key + secret + Unix seconds.
Errors come two ways: the gateway's plain 401/403 (bad key or signature: our configuration, so
"unavailable"), and formatted `{"error": {"code", "message"}}` bodies: PRODUCT_ERROR "Insufficient
allotment" is a sold-out rate, "Price has changed" a repriced one; other 4xx are refusals; 5xx,
timeouts and garbage mean the supplier is unavailable.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from adapters.hotelbeds_parsing import (
    NAME,
    WITA_DESTINATIONS,
    Malformed,
    business_error,
    error_text,
    read_availability,
    read_booking,
    read_money,
    read_policies,
    read_stars,
)
from domain.bookings import Guest
from domain.errors import (
    HotelNotFound,
    OfferExpired,
    SupplierRejected,
    SupplierTimeout,
    SupplierUnavailable,
)
from domain.models import (
    Board,
    Destination,
    Hotel,
    HotelDetails,
    HotelOffer,
    RoomDescription,
    SearchCriteria,
    SearchResult,
)
from domain.ports import CheckedRate, SupplierBooking, SupplierBookingStatus
from shared.booking_lifecycle import Contact

BOOKING_API = "/hotel-api/1.0"
CONTENT_API = "/hotel-content-api/1.0"


class HotelbedsClient:
    name = NAME

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        api_key: str,
        secret: str,
        seconds: Callable[[], float] = time.time,
    ) -> None:
        self._http = http
        self._api_key = api_key
        self._secret = secret
        self._seconds = seconds

    # --- transport -------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        stamp = int(self._seconds())
        signature = hashlib.sha256(f"{self._api_key}{self._secret}{stamp}".encode()).hexdigest()
        return {"Api-key": self._api_key, "X-Signature": signature, "Accept": "application/json"}

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = await self._http.request(method, path, headers=self._headers(), **kwargs)
        except httpx.TimeoutException as exc:
            raise SupplierTimeout(NAME, "timed out") from exc
        except httpx.HTTPError as exc:
            raise SupplierUnavailable(NAME, f"transport error ({type(exc).__name__})") from exc
        status = response.status_code
        if status in (401, 403):
            # The gateway refused our key or signature (or the quota): nothing a retry by the
            # customer fixes, and not the customer's fault.
            raise SupplierUnavailable(NAME, f"HTTP {status}: {response.text[:80]!r} (credentials or clock)")
        if status == 429 or status >= 500:
            raise SupplierUnavailable(NAME, f"HTTP {status}: {error_text(response)}")
        try:
            body = json.loads(response.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SupplierUnavailable(NAME, f"malformed response (HTTP {status})") from exc
        if not isinstance(body, dict):
            raise SupplierUnavailable(NAME, f"malformed response (HTTP {status})")
        if status >= 400:
            error = body.get("error")
            if not isinstance(error, dict):
                error = {}
            raise business_error(str(error.get("code", "")), str(error.get("message", f"HTTP {status}")))
        return body

    async def _parsed(self, method: str, path: str, parse: Callable[[dict[str, Any]], Any], **kw: Any) -> Any:
        body = await self._call(method, path, **kw)
        try:
            return parse(body)
        except (Malformed, KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise SupplierUnavailable(NAME, f"unexpected answer shape ({type(exc).__name__}: {exc})") from exc

    # --- content ---------------------------------------------------------------------------------

    async def destinations(self) -> list[Destination]:
        def parse(body: dict[str, Any]) -> list[Destination]:
            out: list[Destination] = []
            for d in body["destinations"]:
                name = d["name"]["content"]
                out.append(Destination(d["code"], name, d["countryCode"]))
                for zone in d.get("zones") or []:
                    out.append(
                        Destination(
                            f"{d['code']}-{zone['zoneCode']}", f"{zone['name']}, {name}", d["countryCode"]
                        )
                    )
            return out

        result: list[Destination] = await self._parsed(
            "GET",
            f"{CONTENT_API}/locations/destinations",
            parse,
            params={"countryCodes": "ID", "fields": "all"},
        )
        return result

    async def hotel_details(self, hotel_id: str) -> HotelDetails:
        if not (hotel_id.isascii() and hotel_id.isdigit()):  # isdigit() alone accepts "²"
            raise HotelNotFound(f"No hotel {hotel_id!r}.")

        def parse(body: dict[str, Any]) -> HotelDetails:
            h = body["hotel"]
            wita = h["destinationCode"] in WITA_DESTINATIONS
            hotel = Hotel(
                hotel_id=str(h["code"]),
                name=h["name"]["content"],
                stars=read_stars(h["categoryCode"]),
                address=h["address"]["content"],
                destination=h["destinationCode"],
                zone=h["city"]["content"].title(),
                latitude=Decimal(str(h["coordinates"]["latitude"])),
                longitude=Decimal(str(h["coordinates"]["longitude"])),
                utc_offset=timedelta(hours=8 if wita else 7),
            )
            rooms = tuple(
                RoomDescription(
                    r["roomCode"], r["description"], r["maxAdults"], r["maxChildren"], r["maxPax"]
                )
                for r in h.get("rooms") or []
            )
            boards = tuple(Board(b) for b in h.get("boardCodes") or [] if b in Board.__members__.values())
            return HotelDetails(hotel, (h.get("description") or {}).get("content", ""), boards, rooms)

        try:
            details: HotelDetails = await self._parsed(
                "GET", f"{CONTENT_API}/hotels/{hotel_id}/details", parse
            )
        except SupplierRejected as exc:
            raise HotelNotFound(f"No hotel {hotel_id!r}.") from exc
        return details

    # --- booking API -----------------------------------------------------------------------------

    async def availability(self, criteria: SearchCriteria) -> SearchResult:
        o = criteria.occupancy
        destination: dict[str, Any] = {"code": criteria.destination.split("-", 1)[0]}
        if "-" in criteria.destination:
            destination["zone"] = int(criteria.destination.split("-", 1)[1])
        request = {
            "stay": {
                "checkIn": criteria.stay.check_in.isoformat(),
                "checkOut": criteria.stay.check_out.isoformat(),
            },
            "occupancies": [
                {
                    "rooms": o.rooms,
                    "adults": o.adults,
                    "children": o.children,
                    "paxes": [{"type": "CH", "age": age} for age in o.child_ages],
                }
            ],
            "destination": destination,
            "dailyRate": True,
        }

        def parse(body: dict[str, Any]) -> SearchResult:
            hotels = body["hotels"].get("hotels") or []
            return SearchResult(criteria, tuple(read_availability(h, criteria) for h in hotels))

        result: SearchResult = await self._parsed("POST", f"{BOOKING_API}/hotels", parse, json=request)
        return result

    async def check_rate(self, offer: HotelOffer) -> CheckedRate:
        def parse(body: dict[str, Any]) -> CheckedRate:
            hotel = body["hotel"]
            rate = hotel["rooms"][0]["rates"][0]
            return CheckedRate(rate["rateKey"], read_money(rate["net"]), read_policies(rate))

        try:
            checked: CheckedRate = await self._parsed(
                "POST", f"{BOOKING_API}/checkrates", parse, json={"rooms": [{"rateKey": offer.rate_key}]}
            )
        except SupplierRejected as exc:
            raise OfferExpired(f"The hotel no longer sells this rate ({exc}).") from exc
        return checked

    async def book(
        self,
        rate_key: str,
        holder: Guest,
        guests: tuple[Guest, ...],
        contact: Contact,
        client_reference: str,
        remark: str | None,
    ) -> SupplierBooking:
        request: dict[str, Any] = {
            "holder": {"name": holder.first_name, "surname": holder.last_name},
            "rooms": [
                {
                    "rateKey": rate_key,
                    "paxes": [
                        {"roomId": 1, "type": "AD", "name": g.first_name, "surname": g.last_name}
                        for g in guests
                    ],
                }
            ],
            "clientReference": client_reference[:20],
            "tolerance": 0,
        }
        if remark:
            request["remark"] = remark
        booking: SupplierBooking = await self._parsed(
            "POST", f"{BOOKING_API}/bookings", read_booking, json=request
        )
        return booking

    async def read(self, reference: str) -> SupplierBooking:
        booking: SupplierBooking = await self._parsed(
            "GET", f"{BOOKING_API}/bookings/{reference}", read_booking
        )
        return booking

    async def find(
        self, client_reference: str, created_from: date, created_to: date
    ) -> SupplierBooking | None:
        def parse(body: dict[str, Any]) -> SupplierBooking | None:
            listed = [read_booking({"booking": b}) for b in body["bookings"].get("bookings") or []]
            live = [b for b in listed if b.status is not SupplierBookingStatus.CANCELLED]
            return live[0] if live else None

        params = {
            "start": created_from.isoformat(),
            "end": created_to.isoformat(),
            "filterType": "CREATION",
            "clientReference": client_reference,
            "from": 1,
            "to": 25,
        }
        found: SupplierBooking | None = await self._parsed(
            "GET", f"{BOOKING_API}/bookings", parse, params=params
        )
        return found

    async def cancellation_fee(self, reference: str) -> Decimal:
        return await self._cancel(reference, "SIMULATION")

    async def cancel(self, reference: str) -> Decimal:
        return await self._cancel(reference, "CANCELLATION")

    async def _cancel(self, reference: str, flag: str) -> Decimal:
        def parse(body: dict[str, Any]) -> Decimal:
            return read_money(body["booking"]["hotel"].get("cancellationAmount", "0"))

        fee: Decimal = await self._parsed(
            "DELETE", f"{BOOKING_API}/bookings/{reference}", parse, params={"cancellationFlag": flag}
        )
        return fee
