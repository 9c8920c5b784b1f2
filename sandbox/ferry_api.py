"""The ferry operator's API, as served under /ferry (docs/providers.md, "Ferry operator"): a
client-credentials token, ports and routes, sailings search, quotes, bookings held with a TTL,
issue, refund quote and cancel. Errors are {"errors": [{code, title, detail, source?}]}.
Administration for tests and demos (cancel a sailing, set what is left) is under /sandbox/ferry."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, FastAPI, Header, Request, Response
from fastapi.responses import JSONResponse
from ferry_network import CROSSINGS, PORTS, VEHICLE_CLASSES, crossing
from ferry_operator import Booking, FerryError, FerryOperator, Party, Quote, fare_lines, money, total_of
from ferry_sailings import Sailing, sailings_on
from pydantic import BaseModel, ConfigDict, Field
from state import SandboxState

SUPPLIER = "ferry"
TOKEN_TTL_SECONDS = 3600
MAX_PASSENGERS = 20
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")


class FerryMalformed(Exception):
    pass


def sandbox(request: Request) -> SandboxState:
    state: SandboxState = request.app.state.sandbox
    return state


def operator(request: Request) -> FerryOperator:
    return sandbox(request).ferry


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


# --- shapes ---------------------------------------------------------------------------------------


def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def sailing_brief(sailing: Sailing, ferry: FerryOperator) -> dict[str, Any]:
    return {
        "id": sailing.id,
        "origin": sailing.crossing.origin.code,
        "destination": sailing.crossing.destination.code,
        "service_class": sailing.service.name,
        "vessel": sailing.vessel,
        "operator": sailing.crossing.operator,
        "departure_time": sailing.departure.isoformat(),
        "arrival_time": sailing.arrival.isoformat(),
        "duration_minutes": sailing.service.duration_minutes,
        "status": "CANCELLED" if ferry.is_cancelled(sailing) else "SCHEDULED",
    }


def sailing_json(sailing: Sailing, ferry: FerryOperator, party: Party, vehicle: str | None) -> dict[str, Any]:
    left = ferry.deck.left(sailing)
    lines = fare_lines(sailing, party, vehicle)
    lane = VEHICLE_CLASSES[vehicle][1] if vehicle else Decimal(0)
    fits = left.seats >= party.seats and left.lane_meters >= lane
    return {
        **sailing_brief(sailing, ferry),
        # Whether this party (and its vehicle) still fits and the sailing still sails.
        "bookable": fits and not ferry.is_cancelled(sailing),
        "available": {"seats": left.seats, "lane_meters": f"{left.lane_meters:.1f}"},
        "fares": {"breakdown": lines, "total": money(total_of(lines)), "currency": "IDR"},
    }


def quote_json(quote: Quote) -> dict[str, Any]:
    return {
        "id": quote.id,
        "sailing_id": quote.sailing.id,
        "passengers": {"adult": quote.party.adult, "child": quote.party.child, "infant": quote.party.infant},
        "vehicle_class": quote.vehicle_class,
        "breakdown": quote.lines,
        "total": money(quote.total),
        "currency": "IDR",
        "expires_at": _utc(quote.expires_at),
    }


def booking_json(booking: Booking, ferry: FerryOperator) -> dict[str, Any]:
    return {
        "id": booking.id,
        "booking_code": booking.code,
        "status": booking.status,
        "sailing": sailing_brief(booking.sailing, ferry),
        "passengers": booking.passengers,
        "vehicle": booking.vehicle,
        "contact": booking.contact,
        "breakdown": booking.lines,
        "total": money(booking.total),
        "currency": "IDR",
        "hold_expires_at": _utc(booking.expires_at),
        "created_at": _utc(booking.created_at),
        "tickets": booking.tickets,
        "refund_amount": money(booking.refund_amount) if booking.refund_amount is not None else None,
        "cancelled_at": _utc(booking.cancelled_at),
    }


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


# --- sandbox administration -----------------------------------------------------------------------

admin_router = APIRouter(prefix="/sandbox/ferry", tags=["sandbox admin"])


class SpaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seats: int = Field(ge=0, le=10_000)
    lane_meters: Decimal = Field(ge=0, le=10_000)


def _space(sailing: Sailing, ferry: FerryOperator) -> dict[str, Any]:
    left = ferry.deck.left(sailing)
    return {
        **sailing_brief(sailing, ferry),
        "available": {"seats": left.seats, "lane_meters": f"{left.lane_meters:.1f}"},
    }


@admin_router.get("/sailings/{sailing_id}")
async def admin_sailing(request: Request, sailing_id: str) -> dict[str, Any]:
    ferry = operator(request)
    ferry.sweep()
    return _space(ferry.sailing(sailing_id), ferry)


@admin_router.put("/sailings/{sailing_id}/space")
async def set_space(request: Request, sailing_id: str, body: SpaceIn) -> dict[str, Any]:
    """What is left on a sailing (e.g. one seat, to race two buyers for it)."""
    ferry = operator(request)
    sailing = ferry.sailing(sailing_id)
    ferry.deck.set_left(sailing, body.seats, body.lane_meters)
    return _space(sailing, ferry)


@admin_router.post("/sailings/{sailing_id}/cancel")
async def cancel_sailing(request: Request, sailing_id: str) -> dict[str, Any]:
    """The operator cancels the sailing (weather): no more sales, holds cannot be issued, and
    issued tickets refund in full when cancelled."""
    ferry = operator(request)
    sailing = ferry.sailing(sailing_id)
    touched = ferry.cancel_sailing(sailing)
    return {**_space(sailing, ferry), "bookings_affected": touched}


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
