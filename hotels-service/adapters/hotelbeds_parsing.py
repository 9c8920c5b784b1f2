"""Reading Hotelbeds APItude answers into the hotels domain: hotels, rates, policies, bookings,
and which formatted errors have a business name."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx

from domain.errors import PriceChanged, SoldOut, SupplierRejected
from domain.models import (
    Board,
    CancellationPolicy,
    Hotel,
    HotelAvailability,
    HotelOffer,
    NightlyPrice,
    SearchCriteria,
)
from domain.ports import SupplierBooking, SupplierBookingStatus

NAME = "hotelbeds"
# Hotels in WITA (Bali, Nusa Tenggara, Sulawesi…) by Hotelbeds destination code; the rest of what
# we sell is WIB. Used only when a hotel's answer carries no policy time to read the offset from.
WITA_DESTINATIONS = frozenset({"DPS", "LOP", "LBJ", "UPG", "MDC", "KOE"})
STATUSES = {
    "CONFIRMED": SupplierBookingStatus.CONFIRMED,
    "PENDING": SupplierBookingStatus.PENDING,
    "CANCELLED": SupplierBookingStatus.CANCELLED,
}


class Malformed(Exception):
    """An answer that does not have the shape APItude documents."""


def error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            return f"{error.get('code')} {error.get('message')}"
    except ValueError:
        pass
    return response.text[:80]


def business_error(code: str, message: str) -> Exception:
    lowered = message.lower()
    if code == "PRODUCT_ERROR" and "allotment" in lowered:
        return SoldOut(message)
    if code == "PRODUCT_ERROR" and "price" in lowered:
        return PriceChanged(Decimal(0), Decimal(0))
    return SupplierRejected(NAME, f"{code}: {message}")


def read_money(value: Any) -> Decimal:
    amount = Decimal(str(value))
    if not amount.is_finite() or amount < 0:
        raise Malformed(f"not an amount: {value!r}")
    return amount.quantize(Decimal("0.01"))


def read_stars(category: str) -> int:
    digits = "".join(ch for ch in category if ch.isdigit())
    return max(1, min(int(digits or 0), 5))


def read_policies(rate: dict[str, Any]) -> tuple[CancellationPolicy, ...]:
    policies = []
    for p in rate.get("cancellationPolicies") or []:
        starts = datetime.fromisoformat(p["from"])
        if starts.tzinfo is None:
            raise Malformed("a cancellation policy without an offset")
        policies.append(CancellationPolicy(starts, read_money(p["amount"])))
    return tuple(sorted(policies, key=lambda p: p.starts))


def read_availability(h: dict[str, Any], criteria: SearchCriteria) -> HotelAvailability:
    offers = []
    offset: timedelta | None = None
    for room in h["rooms"]:
        for rate in room["rates"]:
            total = read_money(rate["net"])
            policies = read_policies(rate)
            if policies and offset is None:
                offset = policies[0].starts.utcoffset()
            daily = rate.get("dailyRates") or []
            nights = criteria.stay.night_dates()
            nightly = tuple(
                NightlyPrice(nights[int(d["offset"]) - 1], read_money(d["dailyNet"]))
                for d in daily
                if 1 <= int(d["offset"]) <= len(nights)
            )
            offers.append(
                HotelOffer(
                    offer_id=HotelOffer.id_for(NAME, rate["rateKey"]),
                    supplier=NAME,
                    rate_key=rate["rateKey"],
                    recheck=rate.get("rateType") == "RECHECK",
                    hotel_id=str(h["code"]),
                    room_code=room["code"],
                    room_name=room["name"].title(),
                    board=Board(rate["boardCode"]),
                    total_price=total,
                    nightly_prices=nightly,
                    # Refundable: at least some money comes back if cancelled before the stay.
                    refundable=rate.get("rateClass") != "NRF" and any(p.penalty < total for p in policies),
                    policies=policies,
                    on_request="on request" in str(rate.get("rateComments", "")).lower(),
                )
            )
    if offset is None:
        offset = timedelta(hours=8 if h["destinationCode"] in WITA_DESTINATIONS else 7)
    hotel = Hotel(
        hotel_id=str(h["code"]),
        name=h["name"],
        stars=read_stars(h["categoryCode"]),
        address=h.get("address") or f"{h['zoneName']}, {h['destinationName']}",
        destination=h["destinationName"],
        zone=h["zoneName"],
        latitude=Decimal(str(h["latitude"])),
        longitude=Decimal(str(h["longitude"])),
        utc_offset=offset,
    )
    return HotelAvailability(hotel, tuple(offers))


def read_booking(body: dict[str, Any]) -> SupplierBooking:
    b = body["booking"]
    status = STATUSES.get(b["status"])
    if status is None:
        raise Malformed(f"unknown booking status {b['status']!r}")
    return SupplierBooking(b["reference"], status, read_money(b["hotel"]["totalNet"]))
