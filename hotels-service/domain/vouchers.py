"""What a guest reads: cancellation policies in plain words, the quote's line and the voucher."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.bookings import Booking
from domain.models import BOARD_NAMES, CachedOffer, CancellationPolicy
from shared.booking_lifecycle import Document, LineItem

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
ZONE_NAMES = {7: "WIB", 8: "WITA", 9: "WIT"}


def rupiah(amount: Decimal) -> str:
    return "Rp" + f"{amount:,.0f}".replace(",", ".")


def local_moment(moment: datetime) -> str:
    """ "17 Dec 2026 23:59 WITA": the hotel's own clock, as the guest will meet it."""
    offset = moment.utcoffset()
    hours = int(offset.total_seconds() // 3600) if offset is not None else 0
    zone = ZONE_NAMES.get(hours, moment.strftime("UTC%z"))
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} {moment:%H:%M} {zone}"


def policy_in_words(policies: list[CancellationPolicy], total: Decimal) -> str:
    ordered = sorted(policies, key=lambda p: p.starts)
    if not ordered or (len(ordered) == 1 and ordered[0].penalty >= total):
        return "Non-refundable: cancelling refunds nothing."
    parts = [f"Free cancellation until {local_moment(ordered[0].starts)}."]
    for policy in ordered:
        if policy.penalty >= total:
            parts.append(f"From {local_moment(policy.starts)} cancelling costs the full amount.")
        else:
            parts.append(f"From {local_moment(policy.starts)} cancelling costs {rupiah(policy.penalty)}.")
    return " ".join(parts)


def stay_snapshot(cached: CachedOffer, policies: list[CancellationPolicy], total: Decimal) -> dict[str, Any]:
    """What the booking remembers of the offer, as JSON: enough for the voucher and for people."""
    offer, hotel, criteria = cached.offer, cached.hotel, cached.criteria
    return {
        "hotel_id": hotel.hotel_id,
        "hotel_name": hotel.name,
        "stars": hotel.stars,
        "address": hotel.address,
        "check_in": criteria.stay.check_in.isoformat(),
        "check_out": criteria.stay.check_out.isoformat(),
        "nights": criteria.stay.nights,
        "rooms": criteria.occupancy.rooms,
        "adults": criteria.occupancy.adults,
        "child_ages": list(criteria.occupancy.child_ages),
        "room": offer.room_name,
        "board": offer.board.value,
        "refundable": any(p.penalty < total for p in policies),
        "cancellation_policies": [
            {"from": p.starts.isoformat(), "penalty": f"{p.penalty:.2f}"} for p in policies
        ],
        "cancellation_policy": policy_in_words(policies, total),
    }


def quote_line(stay: dict[str, Any], total: Decimal) -> LineItem:
    """One line for the whole stay (every room): Hotelbeds prices the stay, not the night, so the
    line's arithmetic is exact."""
    nights = stay["nights"]
    rooms = stay["rooms"]
    description = (
        f"{stay['hotel_name']}: {rooms} × {stay['room'].title()}, {BOARD_NAMES[stay['board']].lower()}, "
        f"{nights} night{'s' if nights != 1 else ''} from {stay['check_in']}"
    )
    return LineItem(description[:200], 1, total)


def voucher(booking: Booking) -> Document:
    stay = booking.stay
    guests = ", ".join(f"{g.first_name} {g.last_name}" for g in booking.details.guests)
    reference = booking.supplier_reference or booking.reference
    fields = {
        "supplier_reference": reference,
        "hotel": stay["hotel_name"],
        "address": stay["address"],
        "check_in": stay["check_in"],
        "check_out": stay["check_out"],
        "nights": str(stay["nights"]),
        "rooms": f"{stay['rooms']} × {stay['room'].title()}",
        "board": BOARD_NAMES[stay["board"]],
        "guests": guests,
        "occupancy": _occupancy(stay),
        "cancellation_policy": stay["cancellation_policy"],
        "total_paid": rupiah(booking.total),
    }
    if booking.details.special_requests:
        fields["special_requests"] = booking.details.special_requests
    return Document("hotel-voucher", reference, f"Hotel voucher {stay['hotel_name']}", fields)


def _occupancy(stay: dict[str, Any]) -> str:
    adults = stay["adults"]
    text = f"{adults} adult{'s' if adults != 1 else ''}"
    ages = stay["child_ages"]
    if ages:
        text += (
            f", {len(ages)} child{'ren' if len(ages) != 1 else ''} (age {', '.join(str(a) for a in ages)})"
        )
    return text
