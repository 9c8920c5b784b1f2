"""Duffel orders: hold (or instant) orders, payments that issue a hold, and the two-step
cancellation (quote, then confirm). Seats are the same inventory Amadeus sells."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from carriers import CARRIERS
from duffel_errors import (
    SUPPLIER,
    DuffelError,
    authorized,
    not_found,
    offer_gone,
    required,
    sandbox,
    validation,
)
from duffel_offers import find_offer, requote
from duffel_shapes import carrier, conditions, duffel_id, slices_json, utc_iso
from fares import money
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from holds import CANCELLED, EXPIRED, HELD, ISSUED, Hold
from state import SandboxState

orders_router = APIRouter(dependencies=[Depends(authorized)])
PASSENGER_FIELDS = ("id", "given_name", "family_name", "born_on", "gender", "title", "email", "phone_number")


def _passengers(raw: Any, offered: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise required("passengers")
    known = {p["id"]: p for p in offered}
    out = []
    for i, p in enumerate(raw):
        if not isinstance(p, dict):
            raise validation(f"passengers.{i}", "must be an object")
        for name in PASSENGER_FIELDS:
            if not p.get(name):
                raise required(f"passengers.{i}.{name}")
        if p["id"] not in known:
            raise validation(f"passengers.{i}.id", "passenger id is not part of the offer")
        if p["gender"] not in ("m", "f"):
            raise validation(f"passengers.{i}.gender", "gender must be m or f")
        out.append({**{k: p[k] for k in PASSENGER_FIELDS}, "type": known[p["id"]]["type"]})
    if {p["id"] for p in out} != set(known):
        raise validation("passengers", "every passenger of the offer must be given exactly once")
    return out


def _state_error(code: str, title: str, message: str) -> DuffelError:
    return DuffelError(422, "invalid_state_error", code, title, message)


def _order_json(hold: Hold) -> dict[str, Any]:
    order = dict(hold.body)
    awaiting = hold.status == HELD
    order["payment_status"] = {
        "awaiting_payment": awaiting,
        "payment_required_by": utc_iso(hold.expires_at) if awaiting else None,
        "price_guarantee_expires_at": utc_iso(hold.expires_at) if awaiting else None,
        "paid_at": utc_iso(hold.issued_at) if hold.issued_at else None,
    }
    order["documents"] = [{"type": "electronic_ticket", "unique_identifier": t["number"],
                           "passenger_ids": [t["traveler_id"]]} for t in hold.tickets]  # fmt: skip
    order["cancelled_at"] = utc_iso(hold.cancelled_at) if hold.cancelled_at else None
    # Duffel shows an unpaid hold past payment_required_by as cancelled by the airline.
    if hold.status == EXPIRED:
        order["cancelled_at"] = utc_iso(hold.expires_at)
    order["available_actions"] = ["cancel", "update"] if hold.status in (HELD, ISSUED) else []
    return order


def _issue(state: SandboxState, hold: Hold) -> None:
    prefix = CARRIERS[hold.claims[0].flight.carrier].ticket_prefix
    state.holds.issue(hold, [prefix], [p["id"] for p in hold.body["passengers"]])


@orders_router.post("/air/orders", status_code=201)
async def create_order(request: Request, body: dict[str, Any]) -> JSONResponse:
    state = sandbox(request)
    data = body.get("data")
    if not isinstance(data, dict):
        raise required("data")
    order_type = data.get("type", "instant")
    if order_type not in ("hold", "instant"):
        raise validation("type", "type must be hold or instant")
    selected = data.get("selected_offers")
    if not isinstance(selected, list) or len(selected) != 1:
        raise validation("selected_offers", "exactly one offer must be selected")
    state.holds.sweep()
    offer = find_offer(state, str(selected[0]))
    quotes = requote(state, offer)
    passengers = _passengers(data.get("passengers"), offer.passengers)
    base = sum(q.total.base for q in quotes)
    tax = sum(q.total.taxes for q in quotes)
    if order_type == "instant":
        payments = data.get("payments")
        if not isinstance(payments, list) or len(payments) != 1 or not isinstance(payments[0], dict):
            raise required("payments")
        _check_payment(payments[0], base + tax)
    if state.knobs.hold_fails(SUPPLIER):
        raise DuffelError(
            502, "airline_error", "airline_unknown", "There was a problem with the airline",
            "The airline responded with an unexpected error, please contact support",
        )  # fmt: skip
    order_id = duffel_id("ord", state.holds.token(16))
    claims = [c for q in quotes for c in q.all_claims]
    hold = await state.holds.create(order_id, SUPPLIER, claims, offer.party.seats, base + tax)
    if hold is None:
        raise offer_gone()
    hold.body = {
        "id": order_id,
        "type": order_type,
        "live_mode": False,
        "created_at": utc_iso(hold.created_at),
        "booking_reference": hold.reference,
        "offer_id": offer.id,
        "owner": carrier(quotes[0].itineraries[0].flights[0].carrier),
        "total_amount": money(base + tax),
        "total_currency": "IDR",
        "base_amount": money(base),
        "base_currency": "IDR",
        "tax_amount": money(tax),
        "tax_currency": "IDR",
        "slices": slices_json(offer, quotes),
        "passengers": passengers,
        "conditions": conditions(quotes),
        "services": [],
        "metadata": data.get("metadata"),
    }
    if order_type == "instant":
        _issue(state, hold)
    return JSONResponse({"data": _order_json(hold)}, status_code=201)


def _find(state: SandboxState, order_id: str) -> Hold:
    hold = state.holds.get(order_id, SUPPLIER)
    if hold is None:
        raise not_found("order")
    return hold


@orders_router.get("/air/orders/{order_id}")
async def get_order(request: Request, order_id: str) -> JSONResponse:
    return JSONResponse({"data": _order_json(_find(sandbox(request), order_id))})


def _check_payment(payment: dict[str, Any], total: int) -> None:
    if payment.get("type") not in ("balance", "arc_bsp_cash"):
        raise validation("payment.type", "payment type must be balance or arc_bsp_cash")
    if payment.get("currency") != "IDR":
        raise validation("payment.currency", "currency must match the order's total_currency (IDR)")
    if str(payment.get("amount")) != money(total):
        raise validation("payment.amount", f"amount must equal the order's total_amount ({money(total)})")


@orders_router.post("/air/payments", status_code=201)
async def pay(request: Request, body: dict[str, Any]) -> JSONResponse:
    state = sandbox(request)
    data = body.get("data")
    if not isinstance(data, dict) or not data.get("order_id"):
        raise required("order_id")
    if not isinstance(data.get("payment"), dict):
        raise required("payment")
    hold = _find(state, str(data["order_id"]))
    if hold.status == EXPIRED:
        raise _state_error("order_expired", "Order expired", "The order's payment_required_by has passed")
    if hold.status == CANCELLED:
        raise _state_error("already_cancelled", "Order cancelled", "The order has been cancelled")
    if hold.status == ISSUED:
        raise _state_error("already_paid", "Order already paid", "The order has already been paid for")
    _check_payment(data["payment"], hold.total)
    _issue(state, hold)
    assert hold.issued_at is not None
    payment = {
        "id": duffel_id("pay", hold.id),
        "type": data["payment"]["type"],
        "amount": money(hold.total),
        "currency": "IDR",
        "created_at": utc_iso(hold.issued_at),
        "live_mode": False,
    }
    return JSONResponse({"data": payment}, status_code=201)


def _refund(hold: Hold) -> int:
    """What cancelling gives back, per the order's conditions: an unpaid hold 0 (Duffel: "For
    hold orders that are awaiting payment, the refund amount will always be 0.00"); a paid
    refundable fare its total less the stated penalty; a paid non-refundable fare only its taxes."""
    if hold.status == HELD:
        return 0
    refund_rule = hold.body["conditions"]["refund_before_departure"]
    if refund_rule["allowed"]:
        penalty = int(Decimal(refund_rule.get("penalty_amount") or "0"))
        return max(hold.total - penalty, 0)
    return int(Decimal(hold.body["tax_amount"]))


@orders_router.post("/air/order_cancellations", status_code=201)
async def quote_cancellation(request: Request, body: dict[str, Any]) -> JSONResponse:
    state = sandbox(request)
    data = body.get("data")
    if not isinstance(data, dict) or not data.get("order_id"):
        raise required("order_id")
    hold = _find(state, str(data["order_id"]))
    if hold.status in (CANCELLED, EXPIRED):
        raise _state_error("already_cancelled", "Order cancelled", "The order has already been cancelled")
    refund = _refund(hold)
    now = state.clock()
    cancellation_id = duffel_id("ore", hold.id, now.isoformat())
    cancellation: dict[str, Any] = {
        "id": cancellation_id,
        "order_id": hold.id,
        "refund_amount": money(refund),
        "refund_currency": "IDR",
        "refund_to": "balance",
        "airline_credits": [],
        "expires_at": utc_iso(now + timedelta(minutes=5)),
        "confirmed_at": None,
        "created_at": utc_iso(now),
        "live_mode": False,
    }
    state.duffel_cancellations[cancellation_id] = {**cancellation, "_expires": now + timedelta(minutes=5)}
    return JSONResponse({"data": cancellation}, status_code=201)


@orders_router.post("/air/order_cancellations/{cancellation_id}/actions/confirm")
async def confirm_cancellation(request: Request, cancellation_id: str) -> JSONResponse:
    state = sandbox(request)
    record = state.duffel_cancellations.get(cancellation_id)
    if record is None:
        raise not_found("order cancellation")
    public = {k: v for k, v in record.items() if not k.startswith("_")}
    if record["confirmed_at"] is not None:
        return JSONResponse({"data": public})
    if state.clock() >= record["_expires"]:
        raise _state_error(
            "cancellation_expired", "Cancellation expired", "The cancellation quote has expired"
        )
    hold = _find(state, record["order_id"])
    if hold.status in (CANCELLED, EXPIRED):
        raise _state_error("already_cancelled", "Order cancelled", "The order has already been cancelled")
    state.holds.cancel(hold)
    confirmed_at = utc_iso(state.clock())
    record["confirmed_at"] = public["confirmed_at"] = confirmed_at
    return JSONResponse({"data": public})
