"""The ferry operator's API, as served under /ferry (docs/providers.md, "Ferry operator"): a
client-credentials token, ports and routes, sailings search, quotes, bookings held with a TTL,
issue, refund quote and cancel. Errors are {"errors": [{code, title, detail, source?}]}.
Administration for tests and demos (cancel a sailing, set what is left) is under /sandbox/ferry."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse
from ferry_admin import admin_router
from ferry_network import CROSSINGS, PORTS, VEHICLE_CLASSES, crossing
from ferry_operator import FerryError, Party, Quote
from ferry_sailings import sailings_on
from ferry_shapes import booking_json, operator, quote_json, sailing_json, sandbox
from pydantic import BaseModel, ConfigDict, Field

SUPPLIER = "ferry"
TOKEN_TTL_SECONDS = 3600
MAX_PASSENGERS = 20
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


class FerryMalformed(Exception):
    pass


async def disturbed(request: Request) -> None:
    """Every operator call first passes the knobs: latency, timeouts, errors, garbage."""
    outcome = await sandbox(request).knobs.disturb(SUPPLIER)
    if outcome == "error":
        raise FerryError(500, "INTERNAL_ERROR", "Internal error", "An unexpected error occurred")
    if outcome == "malformed":
        raise FerryMalformed()


async def bearer(request: Request, authorization: Annotated[str | None, Header()] = None) -> None:
    ferry = operator(request)
    if not authorization or not authorization.startswith("Bearer "):
        raise FerryError(401, "UNAUTHORIZED", "Unauthorized", "A bearer token is required")
    expires = ferry.tokens.get(authorization.removeprefix("Bearer ").strip())
    if expires is None:
        raise FerryError(401, "INVALID_TOKEN", "Invalid token", "The access token is not valid")
    if ferry.clock() >= expires:
        raise FerryError(401, "TOKEN_EXPIRED", "Token expired", "The access token has expired")


Authorized = Depends(bearer)
router = APIRouter(prefix="/ferry/v1", dependencies=[Depends(disturbed)], tags=["ferry operator (sandbox)"])


# --- token, ports, routes -----------------------------------------------------------------------


@router.post("/auth/token")
async def token(request: Request) -> JSONResponse:
    ferry = operator(request)
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode("utf-8", "replace")).items()}
    if form.get("grant_type") != "client_credentials":
        return JSONResponse(
            {"error": "unsupported_grant_type", "error_description": "grant_type must be client_credentials"},
            status_code=400,
        )
    s = ferry.settings
    if form.get("client_id") != s.client_id or form.get("client_secret") != s.client_secret:
        return JSONResponse(
            {"error": "invalid_client", "error_description": "Client authentication failed"}, status_code=401
        )
    access_token = ferry.token(32, "abcdefghijklmnopqrstuvwxyz0123456789")
    ferry.tokens[access_token] = ferry.clock() + timedelta(seconds=TOKEN_TTL_SECONDS)
    return JSONResponse(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_TTL_SECONDS,
            "scope": "booking",
        }
    )


@router.get("/ports", dependencies=[Authorized])
async def ports() -> dict[str, Any]:
    return {
        "data": [
            {"code": p.code, "name": p.name, "city": p.city, "province": p.province, "timezone": p.timezone}
            for p in PORTS.values()
        ]
    }


@router.get("/routes", dependencies=[Authorized])
async def routes() -> dict[str, Any]:
    return {
        "data": [
            {
                "origin": c.origin.code,
                "destination": c.destination.code,
                "operator": c.operator,
                "service_classes": [
                    {
                        "name": s.name,
                        "duration_minutes": s.duration_minutes,
                        "departures_every_minutes": s.every_minutes,
                    }
                    for s in c.classes
                ],
            }
            for c in CROSSINGS.values()
        ]
    }


# --- search and quotes ----------------------------------------------------------------------------


def _party(adult: int, child: int, infant: int) -> Party:
    if adult < 1:
        raise FerryError(400, "INVALID_PARAMETER", "Invalid parameter", "At least one adult", "adult")
    if infant > adult:
        raise FerryError(
            400, "INVALID_PARAMETER", "Invalid parameter", "One infant per adult at most", "infant"
        )
    if min(child, infant) < 0 or adult + child + infant > MAX_PASSENGERS:
        raise FerryError(
            400, "INVALID_PARAMETER", "Invalid parameter", f"1 to {MAX_PASSENGERS} passengers", "adult"
        )
    return Party(adult, child, infant)


def _vehicle_class(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if value not in VEHICLE_CLASSES:
        raise FerryError(
            400, "INVALID_PARAMETER", "Invalid parameter", "Unknown vehicle class", "vehicle_class"
        )
    return value


@router.get("/sailings", dependencies=[Authorized])
async def search(
    request: Request,
    origin: str,
    destination: str,
    departure_date: str,
    adult: int = 1,
    child: int = 0,
    infant: int = 0,
    vehicle_class: str | None = None,
    service_class: str | None = None,
) -> dict[str, Any]:
    ferry = operator(request)
    for name, code in (("origin", origin), ("destination", destination)):
        if code not in PORTS:
            raise FerryError(400, "UNKNOWN_PORT", "Unknown port", f"No port {code!r}", name)
    found = crossing(origin, destination)
    if found is None:
        raise FerryError(404, "ROUTE_NOT_FOUND", "Route not found", f"No crossing {origin}-{destination}")
    try:
        day = date.fromisoformat(departure_date)
    except ValueError:
        raise FerryError(
            400, "INVALID_PARAMETER", "Invalid parameter", "departure_date is YYYY-MM-DD", "departure_date"
        ) from None
    party = _party(adult, child, infant)
    vehicle = _vehicle_class(vehicle_class)
    local_today = ferry.clock().astimezone(found.origin.zone).date()
    if not ferry.on_sale_day(day, local_today):
        raise FerryError(
            422,
            "OUTSIDE_SALES_WINDOW",
            "Outside sales window",
            f"Sailings are sold from today up to {ferry.settings.sales_window_days} days ahead",
            "departure_date",
        )
    ferry.sweep()
    out = [
        sailing_json(s, ferry, party, vehicle)
        for s in sailings_on(found, day, ferry.seed)
        if (service_class is None or s.service.name == service_class) and ferry.sales_open(s)
    ]
    return {"data": out, "meta": {"count": len(out)}}


class PartyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    adult: int = Field(ge=0, le=MAX_PASSENGERS)
    child: int = Field(default=0, ge=0, le=MAX_PASSENGERS)
    infant: int = Field(default=0, ge=0, le=MAX_PASSENGERS)


class QuoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    sailing_id: str = Field(max_length=64)
    passengers: PartyIn
    vehicle_class: str | None = None


@router.post("/quotes", status_code=201, dependencies=[Authorized])
async def create_quote(request: Request, body: QuoteIn) -> dict[str, Any]:
    state = sandbox(request)
    ferry = state.ferry
    sailing = ferry.sailing(body.sailing_id)
    party = _party(body.passengers.adult, body.passengers.child, body.passengers.infant)
    quote = ferry.quote(
        sailing, party, _vehicle_class(body.vehicle_class), state.knobs.get(SUPPLIER).price_change_pct
    )
    return {"data": quote_json(quote)}


# --- bookings -------------------------------------------------------------------------------------


class PassengerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str
    full_name: str = Field(min_length=1, max_length=100)
    id_number: str | None = Field(default=None, max_length=40)
    gender: str | None = None


class VehicleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    vehicle_class: str = Field(alias="class")
    plate_number: str = Field(min_length=3, max_length=16)


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    email: str = Field(max_length=254)
    phone: str = Field(max_length=20)


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quote_id: str = Field(max_length=64)
    passengers: list[PassengerIn] = Field(min_length=1, max_length=MAX_PASSENGERS)
    vehicle: VehicleIn | None = None
    contact: ContactIn


def _check_booking(quote: Quote, body: BookingIn) -> None:
    counts = {t: sum(1 for p in body.passengers if p.type == t) for t in ("adult", "child", "infant")}
    if sum(counts.values()) != len(body.passengers) or counts != {
        "adult": quote.party.adult,
        "child": quote.party.child,
        "infant": quote.party.infant,
    }:
        raise FerryError(
            422,
            "PASSENGER_MISMATCH",
            "Passengers do not match",
            "Passengers differ from the quote",
            "passengers",
        )
    if (body.vehicle is None) != (quote.vehicle_class is None) or (
        body.vehicle is not None and body.vehicle.vehicle_class != quote.vehicle_class
    ):
        raise FerryError(
            422, "VEHICLE_MISMATCH", "Vehicle does not match", "The vehicle differs from the quote", "vehicle"
        )
    if not EMAIL.match(body.contact.email) or not re.fullmatch(r"\+62\d{8,13}", body.contact.phone):
        raise FerryError(
            422, "INVALID_CONTACT", "Invalid contact", "Email and an E.164 +62 phone are required", "contact"
        )


@router.post("/bookings", status_code=201, dependencies=[Authorized])
async def create_booking(request: Request, body: BookingIn) -> dict[str, Any]:
    state = sandbox(request)
    ferry = state.ferry
    quote = ferry.quotes.get(body.quote_id)
    if quote is None or ferry.clock() >= quote.expires_at:
        raise FerryError(
            410, "QUOTE_EXPIRED", "Quote expired", "The quote is unknown or has expired; quote again"
        )
    if quote.used:
        raise FerryError(409, "QUOTE_USED", "Quote already used", "A quote books once; quote again")
    _check_booking(quote, body)
    if state.knobs.hold_fails(SUPPLIER):
        raise FerryError(409, "CAPACITY_EXHAUSTED", "No space", "Not enough seats or deck space left")
    vehicle = (
        {"class": body.vehicle.vehicle_class, "plate_number": body.vehicle.plate_number}
        if body.vehicle
        else None
    )
    booking = await ferry.hold(
        quote, [p.model_dump() for p in body.passengers], vehicle, body.contact.model_dump()
    )
    if booking is None:
        raise FerryError(409, "CAPACITY_EXHAUSTED", "No space", "Not enough seats or deck space left")
    return {"data": booking_json(booking, ferry)}


@router.get("/bookings/{booking_id}", dependencies=[Authorized])
async def get_booking(request: Request, booking_id: str) -> dict[str, Any]:
    ferry = operator(request)
    return {"data": booking_json(ferry.get(booking_id), ferry)}


@router.post("/bookings/{booking_id}/issue", dependencies=[Authorized])
async def issue_booking(request: Request, booking_id: str) -> dict[str, Any]:
    ferry = operator(request)
    booking = ferry.get(booking_id)
    ferry.issue(booking)
    return {"data": booking_json(booking, ferry)}


@router.get("/bookings/{booking_id}/refund-quote", dependencies=[Authorized])
async def refund_quote(request: Request, booking_id: str) -> dict[str, Any]:
    ferry = operator(request)
    booking = ferry.get(booking_id)
    return {"data": {"booking_id": booking.id, "currency": "IDR", **ferry.refund_quote(booking)}}


@router.post("/bookings/{booking_id}/cancel", dependencies=[Authorized])
async def cancel_booking(request: Request, booking_id: str) -> dict[str, Any]:
    ferry = operator(request)
    booking = ferry.get(booking_id)
    ferry.cancel(booking)
    return {"data": booking_json(booking, ferry)}


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(admin_router)

    async def on_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, FerryError)
        return JSONResponse({"errors": [exc.body]}, status_code=exc.status)

    async def on_malformed(_: Request, exc: Exception) -> Response:
        return Response(
            b'{"data": [{"id": "MRKBKH-<<<garbage', status_code=200, media_type="application/json"
        )

    app.add_exception_handler(FerryError, on_error)
    app.add_exception_handler(FerryMalformed, on_malformed)
