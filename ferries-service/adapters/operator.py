"""The ferry operator's API over httpx (docs/providers.md, "Ferry operator"): a client-credentials
token kept until shortly before it expires, then ports, routes, sailings, quotes, bookings, issue
and cancel. Operator errors ({"errors": [{code, title, detail}]}) become the domain's errors."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import httpx

from domain.bookings import BookingDetails, OperatorBooking, OperatorQuote, OperatorTicket
from domain.errors import (
    BookingCancelled,
    HoldExpired,
    NotCancellable,
    OfferExpired,
    SailingCancelled,
    SoldOut,
    SupplierRejected,
    SupplierTimeout,
    SupplierUnavailable,
)
from domain.models import FareLine, Offer, Port, Route, RouteService, Sailing, SearchCriteria
from domain.offer_ids import decode_offer_id

T = TypeVar("T")
TOKEN_SLACK_SECONDS = 60
# Operator error codes and what they mean to us; anything else 4xx is a plain refusal.
REFUSALS: dict[str, type[Exception]] = {
    "CAPACITY_EXHAUSTED": SoldOut,
    "SAILING_CANCELLED": SailingCancelled,
    "SALES_CLOSED": OfferExpired,
    "SAILING_NOT_FOUND": OfferExpired,
    "BOOKING_EXPIRED": HoldExpired,
    "BOOKING_CANCELLED": BookingCancelled,
    "ALREADY_DEPARTED": NotCancellable,
}


class Garbage(Exception):
    """The operator's body is not the shape its contract promises."""


def _money(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise Garbage(f"not an amount: {value!r}") from None
    if not amount.is_finite():
        raise Garbage(f"not an amount: {value!r}")
    return amount.quantize(Decimal("0.01"))


def _instant(value: Any) -> datetime:
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise Garbage(f"a time without an offset: {value!r}")
    return moment


def _fare_line(raw: dict[str, Any]) -> FareLine:
    return FareLine(
        category=str(raw["category"]),
        code=str(raw["code"]),
        quantity=int(raw["quantity"]),
        unit_price=_money(raw["unit_price"]),
        amount=_money(raw["amount"]),
        included_in_vehicle=int(raw.get("included_in_vehicle", 0)),
    )


def sailing_of(raw: dict[str, Any]) -> Sailing:
    fares = raw["fares"]
    return Sailing(
        sailing_id=str(raw["id"]),
        origin=str(raw["origin"]),
        destination=str(raw["destination"]),
        service_class=str(raw["service_class"]),
        vessel=str(raw["vessel"]),
        operator=str(raw["operator"]),
        departure_at=_instant(raw["departure_time"]),
        arrival_at=_instant(raw["arrival_time"]),
        duration_minutes=int(raw["duration_minutes"]),
        cancelled=raw["status"] == "CANCELLED",
        bookable=bool(raw["bookable"]),
        seats_left=int(raw["available"]["seats"]),
        lane_meters_left=Decimal(str(raw["available"]["lane_meters"])),
        fares=tuple(_fare_line(line) for line in fares["breakdown"]),
        total=_money(fares["total"]),
    )


def booking_of(raw: dict[str, Any]) -> OperatorBooking:
    return OperatorBooking(
        booking_id=str(raw["id"]),
        booking_code=str(raw["booking_code"]),
        status=str(raw["status"]),
        hold_expires_at=_instant(raw["hold_expires_at"]),
        total=_money(raw["total"]),
        tickets=tuple(
            OperatorTicket(
                category=str(t["category"]),
                ticket_number=str(t["ticket_number"]),
                boarding_code=str(t["boarding_code"]),
                holder=str(t.get("name") or t.get("plate_number") or ""),
                passenger_index=t.get("passenger_index"),
            )
            for t in raw.get("tickets") or []
        ),
        refund_amount=_money(raw["refund_amount"]) if raw.get("refund_amount") is not None else None,
    )


class FerryOperatorClient:
    name = "ferry-operator"

    def __init__(self, http: httpx.AsyncClient, *, client_id: str, client_secret: str) -> None:
        self._http = http
        self._client_id = client_id
        self._client_secret = client_secret
        self._token: str | None = None
        self._token_until = 0.0
        self._token_lock = asyncio.Lock()

    # --- transport ---------------------------------------------------------------------------

    async def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self._http.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise SupplierTimeout("timed out") from exc
        except httpx.HTTPError as exc:
            raise SupplierUnavailable(f"transport error ({type(exc).__name__})") from exc

    async def _bearer(self, *, renew: bool = False) -> str:
        async with self._token_lock:
            if renew or self._token is None or time.monotonic() >= self._token_until:
                r = await self._send(
                    "POST",
                    "/v1/auth/token",
                    data={
                        "grant_type": "client_credentials",
                        "client_id": self._client_id,
                        "client_secret": self._client_secret,
                    },
                )
                body = self._json(r)
                if r.status_code != 200 or not isinstance(body.get("access_token"), str):
                    raise SupplierUnavailable(f"token refused (HTTP {r.status_code})")
                self._token = body["access_token"]
                self._token_until = time.monotonic() + float(body.get("expires_in", 0)) - TOKEN_SLACK_SECONDS
            assert self._token is not None
            return self._token

    @staticmethod
    def _json(r: httpx.Response) -> dict[str, Any]:
        try:
            body = json.loads(r.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise SupplierUnavailable(f"malformed response (HTTP {r.status_code})") from exc
        if not isinstance(body, dict):
            raise SupplierUnavailable(f"malformed response (HTTP {r.status_code})")
        return body

    async def _call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        """One authorised call; a token the operator no longer accepts is renewed once."""
        token = await self._bearer()
        r = await self._send(method, url, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        if r.status_code == 401:
            token = await self._bearer(renew=True)
            r = await self._send(method, url, headers={"Authorization": f"Bearer {token}"}, **kwargs)
        body = self._json(r)
        if r.status_code >= 500 or r.status_code in (401, 403, 429):
            raise SupplierUnavailable(f"HTTP {r.status_code}")
        if r.status_code >= 400:
            errors = body.get("errors")
            first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
            code, detail = str(first.get("code", "")), str(first.get("detail") or first.get("title") or "")
            refusal = REFUSALS.get(code)
            if refusal is SupplierRejected or refusal is None:
                raise SupplierRejected(f"HTTP {r.status_code} {code} {detail}".strip())
            raise refusal(detail or code)
        return body

    async def _data(self, method: str, url: str, **kwargs: Any) -> Any:
        body = await self._call(method, url, **kwargs)
        if "data" not in body:
            raise SupplierUnavailable("malformed response (no data)")
        return body["data"]

    @staticmethod
    def _parsed(parse: Callable[[Any], T], raw: Any) -> T:
        try:
            return parse(raw)
        except (Garbage, KeyError, TypeError, ValueError, InvalidOperation) as exc:
            raise SupplierUnavailable(f"malformed response ({type(exc).__name__})") from exc

    # --- the API ------------------------------------------------------------------------------

    async def ports(self) -> list[Port]:
        data = await self._data("GET", "/v1/ports")
        return self._parsed(
            lambda d: [Port(p["code"], p["name"], p["city"], p["province"], p["timezone"]) for p in d], data
        )

    async def routes(self) -> list[Route]:
        def parse(d: Any) -> list[Route]:
            return [
                Route(
                    r["origin"],
                    r["destination"],
                    r["operator"],
                    tuple(
                        RouteService(
                            s["name"], int(s["duration_minutes"]), int(s["departures_every_minutes"])
                        )
                        for s in r["service_classes"]
                    ),
                )
                for r in d
            ]

        return self._parsed(parse, await self._data("GET", "/v1/routes"))

    async def sailings(self, criteria: SearchCriteria) -> list[Sailing]:
        params: dict[str, Any] = {
            "origin": criteria.origin,
            "destination": criteria.destination,
            "departure_date": criteria.departure_date.isoformat(),
            "adult": criteria.party.adults,
            "child": criteria.party.children,
            "infant": criteria.party.infants,
        }
        if criteria.vehicle_class:
            params["vehicle_class"] = criteria.vehicle_class
        if criteria.service_class:
            params["service_class"] = criteria.service_class
        data = await self._data("GET", "/v1/sailings", params=params)
        return self._parsed(lambda d: [sailing_of(s) for s in d], data)

    async def quote(self, offer: Offer) -> OperatorQuote:
        sailing_id, party, vehicle = decode_offer_id(offer.offer_id)
        body = {
            "sailing_id": sailing_id,
            "passengers": {"adult": party.adults, "child": party.children, "infant": party.infants},
            "vehicle_class": vehicle,
        }
        data = await self._data("POST", "/v1/quotes", json=body)
        return self._parsed(
            lambda d: OperatorQuote(
                str(d["id"]), _money(d["total"]), tuple(_fare_line(line) for line in d["breakdown"])
            ),
            data,
        )

    async def hold(self, quote: OperatorQuote, details: BookingDetails) -> OperatorBooking:
        body: dict[str, Any] = {
            "quote_id": quote.quote_id,
            "passengers": [
                {"type": p.type.value, "full_name": p.full_name, "id_number": p.id_number, "gender": p.gender}
                for p in details.passengers
            ],
            "contact": {"email": details.contact.email, "phone": details.contact.phone},
        }
        if details.vehicle is not None:
            body["vehicle"] = {
                "class": details.vehicle.vehicle_class,
                "plate_number": details.vehicle.plate_number,
            }
        data = await self._data("POST", "/v1/bookings", json=body)
        return self._parsed(booking_of, data)

    async def issue(self, booking_id: str) -> OperatorBooking:
        data = await self._data("POST", f"/v1/bookings/{booking_id}/issue")
        return self._parsed(booking_of, data)

    async def cancel(self, booking_id: str) -> OperatorBooking:
        data = await self._data("POST", f"/v1/bookings/{booking_id}/cancel")
        return self._parsed(booking_of, data)
