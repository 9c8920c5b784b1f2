"""The Booking API of the Hotelbeds-shaped supplier: availability, checkrates, bookings (create,
read, cancel or simulate the cancellation)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from hotelbeds_access import HotelbedsError, audit_data, book, sandbox
from hotelbeds_inventory import BOARD_NAMES, DESTINATIONS, HOTELS, Hotel, hotels_in
from hotelbeds_rates import (
    Occupancy,
    RateKey,
    cancellation_policies,
    hotel_head,
    money,
    penalty_at,
    rate_body,
    stay_net,
)
from hotelbeds_state import HotelBooking
from offers import today_in_indonesia

MAX_NIGHTS = 30
MAX_ROOMS = 9
router = APIRouter(prefix="/hotel-api/1.0")


def invalid(message: str, code: str = "INVALID_DATA") -> HotelbedsError:
    return HotelbedsError(400, code, message)


async def json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise invalid("Malformed JSON request body.", "INVALID_REQUEST") from None
    if not isinstance(body, dict):
        raise invalid("The request body must be a JSON object.", "INVALID_REQUEST")
    return body


def _date(value: Any, name: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise invalid(
            f"Invalid value for field {name}: {value!r} (expected yyyy-MM-dd).", "INVALID_REQUEST"
        ) from None


def parse_stay(request: Request, body: dict[str, Any]) -> tuple[date, date]:
    stay = body.get("stay")
    if not isinstance(stay, dict) or "checkIn" not in stay or "checkOut" not in stay:
        raise invalid("The field stay (checkIn, checkOut) is mandatory.", "INVALID_REQUEST")
    check_in, check_out = _date(stay["checkIn"], "checkIn"), _date(stay["checkOut"], "checkOut")
    if check_in < today_in_indonesia(sandbox(request).clock()):
        raise invalid("Invalid data. The check-in date cannot be in the past.")
    if check_out <= check_in:
        raise invalid("Invalid data. The check-out date must be after the check-in date.")
    if (check_out - check_in).days > MAX_NIGHTS:
        raise invalid(f"Invalid data. The stay cannot be longer than {MAX_NIGHTS} nights.")
    return check_in, check_out


def parse_occupancy(body: dict[str, Any]) -> Occupancy:
    occupancies = body.get("occupancies")
    if not isinstance(occupancies, list) or len(occupancies) != 1 or not isinstance(occupancies[0], dict):
        # ⚠ APItude accepts several occupancies (rooms of different make-up); the sandbox one.
        raise invalid("The field occupancies must hold exactly one occupancy.", "INVALID_REQUEST")
    occ = occupancies[0]
    try:
        rooms, adults, children = int(occ["rooms"]), int(occ["adults"]), int(occ.get("children", 0))
    except (KeyError, TypeError, ValueError):
        raise invalid("Occupancy needs integer rooms, adults and children.", "INVALID_REQUEST") from None
    paxes = occ.get("paxes") or []
    ages: list[Any] = [p.get("age") for p in paxes if isinstance(p, dict) and p.get("type") == "CH"]
    if not 1 <= rooms <= MAX_ROOMS or adults < rooms or children < 0:
        raise invalid("Invalid data. Each room needs at least one adult (at most 9 rooms).")
    if len(ages) != children or not all(isinstance(a, int) and 0 <= a <= 17 for a in ages):
        raise invalid("Invalid data. Each child needs a pax of type CH with an age between 0 and 17.")
    return Occupancy(rooms, adults, tuple(ages))


def _hotels_wanted(body: dict[str, Any]) -> list[Hotel]:
    destination = body.get("destination")
    wanted = body.get("hotels")
    if isinstance(destination, dict) and destination.get("code"):
        code = str(destination["code"]).upper()
        if code not in DESTINATIONS:
            raise invalid(f"Invalid data. The destination {code} does not exist.")
        zone = destination.get("zone")
        return hotels_in(code, int(zone) if zone is not None else None)
    if isinstance(wanted, dict) and isinstance(wanted.get("hotel"), list):
        return [HOTELS[int(c)] for c in wanted["hotel"] if str(c).isdigit() and int(c) in HOTELS]
    raise invalid("One of destination or hotels is mandatory.", "INVALID_REQUEST")


def _filtered(body: dict[str, Any], hotels: list[Hotel]) -> list[Hotel]:
    f = body.get("filter") or {}
    lo, hi = int(f.get("minCategory", 1)), int(f.get("maxCategory", 5))
    return [h for h in hotels if lo <= h.stars <= hi]


def _envelope(request: Request, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse({"auditData": audit_data(request), **body})


@router.post("/hotels")
async def availability(request: Request) -> JSONResponse:
    state = sandbox(request)
    body = await json_body(request)
    check_in, check_out = parse_stay(request, body)
    occupancy = parse_occupancy(body)
    wanted_boards = set((body.get("boards") or {}).get("board") or [])
    now = state.clock()
    listed = []
    for hotel in _filtered(body, _hotels_wanted(body)):
        rooms: list[dict[str, Any]] = []
        for room in hotel.rooms:
            if not occupancy.fits(room):
                continue
            rates = []
            for board in hotel.boards:
                if wanted_boards and board not in wanted_boards:
                    continue
                for rate_class in ("NOR", "NRF") if board != "HB" else ("NOR",):
                    key = RateKey(
                        check_in, check_out, hotel.code, room.code, board, rate_class, occupancy, Decimal(0)
                    )
                    left = state.hotelbeds.allotment(key)
                    if left < occupancy.rooms:
                        continue
                    # Availability answers with the price as it stood when the rates were loaded;
                    # a price_change_pct knob shows at checkrates and booking, not here.
                    rates.append(rate_body(state.seed, key, left, now))
            if rates:
                rooms.append({"code": room.code, "name": room.name, "rates": rates})
        if not rooms:
            continue
        nets = [Decimal(r["net"]) for room in rooms for r in room["rates"]]
        head = {**hotel_head(hotel), "rooms": rooms, "minRate": money(min(nets)), "maxRate": money(max(nets))}
        listed.append({**head, "currency": "IDR"})
    if not listed:
        return _envelope(request, {"hotels": {"total": 0}})
    return _envelope(
        request,
        {
            "hotels": {
                "hotels": listed,
                "checkIn": check_in.isoformat(),
                "checkOut": check_out.isoformat(),
                "total": len(listed),
            }
        },
    )


def _rate_key(text: Any) -> RateKey:
    key = RateKey.decode(str(text)) if text else None
    if key is None:
        raise invalid("Invalid data. The rateKey is not valid or has expired.")
    return key


@router.post("/checkrates")
async def checkrates(request: Request) -> JSONResponse:
    """The rate as it stands now: price and policies may have changed since availability; a rate
    whose rooms are gone is a product error."""
    state = sandbox(request)
    body = await json_body(request)
    rooms = body.get("rooms")
    if not isinstance(rooms, list) or len(rooms) != 1 or not isinstance(rooms[0], dict):
        raise invalid("The field rooms must hold one room with its rateKey.", "INVALID_REQUEST")
    key = _rate_key(rooms[0].get("rateKey"))
    if key.check_in < today_in_indonesia(state.clock()):
        raise invalid("Invalid data. The check-in date cannot be in the past.")
    left = state.hotelbeds.allotment(key)
    if left < key.occupancy.rooms:
        raise invalid("Insufficient allotment", "PRODUCT_ERROR")
    pct = state.knobs.get("hotelbeds").price_change_pct
    rate = rate_body(state.seed, key, left, state.clock(), pct)
    hotel = key.hotel_obj
    return _envelope(
        request,
        {
            "hotel": {
                **hotel_head(hotel),
                "checkIn": key.check_in.isoformat(),
                "checkOut": key.check_out.isoformat(),
                "rooms": [{"code": key.room, "name": key.room_obj.name, "rates": [rate]}],
                "totalNet": rate["net"],
                "currency": "IDR",
                "paymentDataRequired": False,
                "modificationPolicies": {"cancellation": True, "modification": True},
            }
        },
    )


def booking_body(request: Request, b: HotelBooking) -> dict[str, Any]:
    key = b.key
    rate = {
        "rateClass": key.rate_class,
        "net": money(b.total_net),
        "paymentType": "AT_WEB",
        "packaging": False,
        "boardCode": key.board,
        "boardName": BOARD_NAMES[key.board],
        "cancellationPolicies": b.policies,
        "rooms": key.occupancy.rooms,
        "adults": key.occupancy.adults,
        "children": key.occupancy.children,
    }
    hotel: dict[str, Any] = {
        **hotel_head(key.hotel_obj),
        "checkIn": key.check_in.isoformat(),
        "checkOut": key.check_out.isoformat(),
        "rooms": [
            {
                "status": b.status,
                "id": 1,
                "code": key.room,
                "name": key.room_obj.name,
                "paxes": b.paxes,
                "rates": [rate],
            }
        ],
        "totalNet": money(b.total_net),
        "currency": "IDR",
        "supplier": {"name": "HOTELBEDS INDONESIA SANDBOX", "vatNumber": "01.234.567.8-901.000"},
    }
    if b.cancellation_amount is not None:
        hotel["cancellationAmount"] = money(b.cancellation_amount)
    body: dict[str, Any] = {
        "reference": b.reference,
        "clientReference": b.client_reference,
        "creationDate": b.created_at.date().isoformat(),
        "status": b.status,
        "modificationPolicies": {"cancellation": b.status != "CANCELLED", "modification": False},
        "creationUser": sandbox(request).settings.hotelbeds.api_key,
        "holder": b.holder,
        "hotel": hotel,
        "invoiceCompany": {
            "code": "IDN",
            "company": "HOTELBEDS INDONESIA SANDBOX",
            "registrationNumber": "0000",
        },
        "totalNet": float(b.total_net),
        "pendingAmount": float(b.total_net) if b.status != "CANCELLED" else 0.0,
        "currency": "IDR",
    }
    if b.remark:
        body["remark"] = b.remark
    if b.cancellation_reference:
        body["cancellationReference"] = b.cancellation_reference
    return body


def _paxes(rooms: list[Any], key: RateKey) -> list[dict[str, Any]]:
    paxes = rooms[0].get("paxes") if isinstance(rooms[0], dict) else None
    if not isinstance(paxes, list) or not paxes:
        raise invalid("Invalid data. Each room needs its paxes.", "INVALID_REQUEST")
    out = []
    for pax in paxes:
        if not isinstance(pax, dict) or not pax.get("name") or not pax.get("surname"):
            raise invalid("Invalid data. Every pax needs a name and a surname.")
        out.append(
            {
                "roomId": int(pax.get("roomId", 1)),
                "type": str(pax.get("type", "AD")),
                "name": str(pax["name"]),
                "surname": str(pax["surname"]),
            }
        )
    return out


@router.post("/bookings")
async def create_booking(request: Request) -> JSONResponse:
    state = sandbox(request)
    hotelbeds = book(request)
    body = await json_body(request)
    holder = body.get("holder")
    rooms = body.get("rooms")
    client_reference = str(body.get("clientReference") or "")
    if not isinstance(holder, dict) or not holder.get("name") or not holder.get("surname"):
        raise invalid("The field holder (name, surname) is mandatory.", "INVALID_REQUEST")
    if not isinstance(rooms, list) or len(rooms) != 1:
        raise invalid("The field rooms must hold one room with its rateKey and paxes.", "INVALID_REQUEST")
    if not client_reference or len(client_reference) > 20:
        raise invalid("The field clientReference is mandatory (at most 20 characters).", "INVALID_REQUEST")
    key = _rate_key(rooms[0].get("rateKey"))
    paxes = _paxes(rooms, key)
    now = state.clock()
    if key.check_in < today_in_indonesia(now):
        raise invalid("Invalid data. The check-in date cannot be in the past.")
    knobs = state.knobs.get("hotelbeds")
    if state.knobs.hold_fails("hotelbeds") or hotelbeds.allotment(key) < key.occupancy.rooms:
        # Another agency took the last rooms between our availability and this booking.
        raise invalid("Insufficient allotment", "PRODUCT_ERROR")
    net = stay_net(state.seed, key, knobs.price_change_pct)
    tolerance = Decimal(str(body.get("tolerance") or 0))
    if net > key.net * (1 + tolerance / 100):
        raise invalid("Price has changed. Please, check the rate again before booking.", "PRODUCT_ERROR")
    hotelbeds.take(key)
    on_request = key.hotel_obj.on_request
    booking = HotelBooking(
        reference=hotelbeds.new_reference(),
        client_reference=client_reference,
        key=key,
        status="PENDING" if on_request else "CONFIRMED",
        total_net=key.net,
        policies=cancellation_policies(state.seed, key, key.net, now, knobs.price_change_pct),
        holder={"name": str(holder["name"]).upper(), "surname": str(holder["surname"]).upper()},
        paxes=paxes,
        remark=str(body["remark"])[:2000] if body.get("remark") else None,
        created_at=now,
        confirm_at=hotelbeds.pending_until(now) if on_request else None,
    )
    hotelbeds.add(booking)
    return _envelope(request, {"booking": booking_body(request, booking)})


def _find(request: Request, reference: str) -> HotelBooking:
    found = book(request).bookings.get(reference)
    if found is None:
        raise invalid(f"Invalid data. The booking {reference} does not exist.")
    return book(request).settle(found, sandbox(request).clock())


@router.get("/bookings")
async def list_bookings(
    request: Request,
    start: str,
    end: str,
    filterType: str = "CREATION",
    clientReference: str | None = None,
    status: str = "ALL",
    from_: int = Query(1, alias="from", ge=1),
    to: int = Query(25, ge=1),
) -> JSONResponse:
    """The booking list: bookings created (or checking in) between start and end, optionally one
    clientReference's. How a client finds a booking whose creation answer it never received."""
    first, last = _date(start, "start"), _date(end, "end")
    if filterType not in ("CREATION", "CHECKIN"):
        raise invalid("Invalid value for filterType (CREATION or CHECKIN).", "INVALID_REQUEST")
    now = sandbox(request).clock()
    found = []
    for b in book(request).bookings.values():
        day = b.created_at.date() if filterType == "CREATION" else b.key.check_in
        if not first <= day <= last or (clientReference and b.client_reference != clientReference):
            continue
        book(request).settle(b, now)
        if status != "ALL" and b.status != status:
            continue
        found.append(booking_body(request, b))
    page = found[from_ - 1 : to]
    return _envelope(
        request,
        {"bookings": {"from": from_, "to": min(to, len(found)), "total": len(found), "bookings": page}},
    )


@router.get("/bookings/{reference}")
async def read_booking(request: Request, reference: str) -> JSONResponse:
    return _envelope(request, {"booking": booking_body(request, _find(request, reference))})


@router.delete("/bookings/{reference}")
async def cancel_booking(
    request: Request, reference: str, cancellationFlag: str = "CANCELLATION"
) -> JSONResponse:
    """SIMULATION answers what cancelling would cost (hotel.cancellationAmount) and changes nothing;
    CANCELLATION cancels and frees the rooms. Cancelling twice is an error, as at Hotelbeds."""
    if cancellationFlag not in ("SIMULATION", "CANCELLATION"):
        raise invalid("Invalid value for cancellationFlag (SIMULATION or CANCELLATION).", "INVALID_REQUEST")
    state = sandbox(request)
    booking = _find(request, reference)
    if booking.status == "CANCELLED":
        raise invalid(f"Invalid data. The booking {reference} is already cancelled.", "PRODUCT_ERROR")
    fee = penalty_at(booking.policies, state.clock())
    if cancellationFlag == "SIMULATION":
        preview = HotelBooking(**{**booking.__dict__, "cancellation_amount": fee})
        return _envelope(request, {"booking": booking_body(request, preview)})
    booking.status = "CANCELLED"
    booking.cancellation_amount = fee
    booking.cancellation_reference = (
        f"{reference.split('-')[0]}-{book(request).rng.randrange(1_000_000, 9_999_999)}"
    )
    book(request).give_back(booking.key)
    return _envelope(request, {"booking": booking_body(request, booking)})
