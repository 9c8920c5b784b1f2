"""Helpers both suppliers' booking calls share: matching our passengers to the supplier's
passenger slots, splitting an E.164 phone, reading supplier instants."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime

import phonenumbers

from domain.bookings import Passenger
from domain.errors import SupplierRejected
from domain.models import PassengerType


def assign_supplier_ids(
    supplier: str, passengers: tuple[Passenger, ...], slots: list[tuple[PassengerType, str]]
) -> tuple[Passenger, ...]:
    """Each passenger takes the next supplier slot of its type, in order."""
    free: dict[PassengerType, list[str]] = defaultdict(list)
    for kind, slot_id in slots:
        free[kind].append(slot_id)
    out = []
    for p in passengers:
        if not free[p.type]:
            raise SupplierRejected(supplier, f"the offer has no {p.type.value} place left for a passenger")
        out.append(replace(p, supplier_passenger_id=free[p.type].pop(0)))
    if any(free.values()):
        raise SupplierRejected(supplier, "the offer has passenger places the request does not fill")
    return tuple(out)


def split_phone(e164: str) -> tuple[str, str]:
    """("62", "81234567890") for "+6281234567890"."""
    number = phonenumbers.parse(e164, None)
    return str(number.country_code), str(number.national_number)


def utc_instant(value: object) -> datetime | None:
    """An ISO instant; one written without an offset is UTC."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
