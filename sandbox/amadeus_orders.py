"""Amadeus flight orders: create (the hold), retrieve, cancel (DELETE → 204; of a ticketed order it
is a void: the tickets go with it and the seats return), and the sandbox-only issuance extension.
An order is held until its ticketingAgreement dateTime (DELAY_TO_CANCEL)."""

from __future__ import annotations

from typing import Any

from amadeus_access import SUPPLIER, Authorized, sandbox
from amadeus_errors import AmadeusError, sold_out
from amadeus_offers import requote_offer
from amadeus_shapes import offer_json
from carriers import CARRIERS
from fares import money
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from holds import CANCELLED, EXPIRED, HELD, ISSUED, Hold
from state import SandboxState

orders_router = APIRouter()
QUEUING_OFFICE = "JKTTQ08AA"


def not_found() -> AmadeusError:
    return AmadeusError(404, 1797, "NOT FOUND", "Booking not found")


def _travelers(raw: Any, expected: int) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or len(raw) != expected:
        raise AmadeusError(
            400, 32171, "MANDATORY DATA MISSING", f"{expected} travelers are required", "travelers"
        )
    for i, t in enumerate(raw):
        name = t.get("name") if isinstance(t, dict) else None
        if not isinstance(name, dict) or not name.get("firstName") or not name.get("lastName"):
            raise AmadeusError(400, 32171, "MANDATORY DATA MISSING", f"travelers[{i}].name is mandatory")
        if not t.get("id") or not t.get("dateOfBirth"):
            raise AmadeusError(
                400, 32171, "MANDATORY DATA MISSING", f"travelers[{i}] needs id and dateOfBirth"
            )
    return list(raw)


def _order_json(hold: Hold) -> dict[str, Any]:
    order = dict(hold.body)
    if hold.tickets:
        order["tickets"] = [
            {
                "documentType": "ETICKET",
                "documentNumber": f"{t['number'][:3]}-{t['number'][3:]}",
                "documentStatus": "ISSUED",
                "travelerId": t["traveler_id"],
                "segmentIds": [
                    seg["id"] for it in order["flightOffers"][0]["itineraries"] for seg in it["segments"]
                ],
            }
            for t in hold.tickets
        ]
    return order


@orders_router.post("/v1/booking/flight-orders", status_code=201, dependencies=[Authorized])
async def create_order(request: Request, body: dict[str, Any]) -> JSONResponse:
    state = sandbox(request)
    data = body.get("data")
    if not isinstance(data, dict) or data.get("type") != "flight-order":
        raise AmadeusError(400, 32171, "MANDATORY DATA MISSING", "data.type must be flight-order")
    offers = data.get("flightOffers")
    if not isinstance(offers, list) or len(offers) != 1 or not isinstance(offers[0], dict):
        raise AmadeusError(400, 32171, "MANDATORY DATA MISSING", "exactly one flight offer is required")
    offer = offers[0]
    state.holds.sweep()
    outbound, inbound = requote_offer(state, offer, state.knobs.get(SUPPLIER).price_change_pct, booking=True)
    travelers = _travelers(data.get("travelers"), len(outbound.party.types))
    current = offer_json(str(offer.get("id", "1")), outbound, inbound, state.today())
    posted_total = str((offer.get("price") or {}).get("grandTotal", ""))
    if posted_total != current["price"]["grandTotal"]:
        now = current["price"]["grandTotal"]
        detail = f"Current grandTotal price ({now}) is different from request one ({posted_total})"
        raise AmadeusError(400, 37200, "PRICE DISCREPANCY", detail)
    if state.knobs.hold_fails(SUPPLIER):
        raise sold_out()
    claims = outbound.all_claims + (inbound.all_claims if inbound else [])
    total = outbound.total.total + (inbound.total.total if inbound else 0)
    order_id = "eJzTd9f3" + state.holds.token(16)
    hold = await state.holds.create(order_id, SUPPLIER, claims, outbound.party.seats, total)
    if hold is None:
        raise sold_out()
    # Amadeus writes the ticketing deadline without an offset; the sandbox writes it in UTC.
    deadline = hold.expires_at.replace(tzinfo=None).isoformat(timespec="seconds")
    hold.body = {
        "type": "flight-order",
        "id": order_id,
        "queuingOfficeId": QUEUING_OFFICE,
        "associatedRecords": [
            {
                "reference": hold.reference,
                "creationDate": hold.created_at.replace(tzinfo=None).isoformat(timespec="milliseconds"),
                "originSystemCode": "GDS",
                "flightOfferId": current["id"],
            }
        ],
        "flightOffers": [current],
        "travelers": travelers,
        "ticketingAgreement": {"option": "DELAY_TO_CANCEL", "dateTime": deadline},
        "automatedProcess": [
            {"code": "DELAY", "queue": {"number": "8", "category": "0"}, "officeId": QUEUING_OFFICE}
        ],
    }
    return JSONResponse({"data": _order_json(hold)}, status_code=201)


def _live_order(state: SandboxState, order_id: str) -> Hold:
    hold = state.holds.get(order_id, SUPPLIER)
    # A cancelled order, or one whose DELAY_TO_CANCEL deadline passed, no longer exists.
    if hold is None or hold.status in (CANCELLED, EXPIRED):
        raise not_found()
    return hold


@orders_router.get("/v1/booking/flight-orders/{order_id}", dependencies=[Authorized])
async def get_order(request: Request, order_id: str) -> JSONResponse:
    hold = _live_order(sandbox(request), order_id)
    return JSONResponse({"data": _order_json(hold)})


@orders_router.delete("/v1/booking/flight-orders/{order_id}", status_code=204, dependencies=[Authorized])
async def cancel_order(request: Request, order_id: str) -> Response:
    state = sandbox(request)
    hold = _live_order(state, order_id)
    state.holds.cancel(hold)
    return Response(status_code=204)


@orders_router.post("/v1/booking/flight-orders/{order_id}/issuance", dependencies=[Authorized])
async def issue_order(request: Request, order_id: str) -> JSONResponse:
    """⚠ Sandbox-only: Self-Service has no ticketing call (tickets come from a consolidator)."""
    state = sandbox(request)
    hold = state.holds.get(order_id, SUPPLIER)
    if hold is None:
        raise not_found()
    if hold.status == EXPIRED:
        raise AmadeusError(400, 38034, "ORDER EXPIRED", "Ticketing deadline passed; the order was cancelled")
    if hold.status == CANCELLED:
        raise AmadeusError(400, 38035, "ORDER CANCELLED", "The order is cancelled")
    if hold.status == HELD:
        carrier = hold.claims[0].flight.carrier
        state.holds.issue(hold, [CARRIERS[carrier].ticket_prefix], [t["id"] for t in hold.body["travelers"]])
    assert hold.status == ISSUED
    order = _order_json(hold)
    order["ticketingAgreement"] = {"option": "CONFIRM"}
    hold.body["ticketingAgreement"] = {"option": "CONFIRM"}
    order["price"] = {"currency": "IDR", "grandTotal": money(hold.total)}
    return JSONResponse({"data": order})
