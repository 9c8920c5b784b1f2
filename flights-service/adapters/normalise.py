"""Helpers the supplier adapters share to turn wire values into the domain's types."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from domain.models import CabinClass
from domain.repository import AirportDirectory

# Marketing names of the carriers we sell most, used when a supplier sends only the code.
CARRIER_NAMES = {
    "GA": "Garuda Indonesia",
    "QG": "Citilink",
    "JT": "Lion Air",
    "ID": "Batik Air",
    "IU": "Super Air Jet",
    "QZ": "Indonesia AirAsia",
    "IW": "Wings Air",
    "SJ": "Sriwijaya Air",
    "IN": "NAM Air",
    "8B": "TransNusa",
}

_DURATION = re.compile(r"^P(?:(\d+)D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:\d+S)?$")


class MalformedOffer(ValueError):
    """A supplier object that does not have the shape its contract documents."""


def iso_duration_minutes(value: object) -> int | None:
    if not isinstance(value, str):
        return None
    match = _DURATION.match(value.strip().upper())
    if not match or value.strip().upper() in ("P", "PT"):
        return None
    days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    return days * 1440 + hours * 60 + minutes


def local_time(value: object, airport_code: str, airports: AirportDirectory) -> datetime:
    """Suppliers send local times without an offset; the airport's timezone supplies it."""
    if not isinstance(value, str):
        raise MalformedOffer(f"time missing for {airport_code}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise MalformedOffer(f"bad time {value!r}") from exc
    if parsed.tzinfo is not None:
        airport = airports.get(airport_code)
        return parsed.astimezone(ZoneInfo(airport.timezone)) if airport else parsed
    airport = airports.get(airport_code)
    if airport is None:
        raise MalformedOffer(f"unknown airport {airport_code!r}")
    return parsed.replace(tzinfo=ZoneInfo(airport.timezone))


def money(value: object) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise MalformedOffer(f"bad amount {value!r}") from exc
    if not amount.is_finite() or amount < 0:
        raise MalformedOffer(f"bad amount {value!r}")
    return amount


def cabin(value: object, default: CabinClass) -> CabinClass:
    if isinstance(value, str):
        try:
            return CabinClass(value.strip().lower())
        except ValueError:
            return default
    return default


def carrier_name(code: str, supplied: object = None) -> str:
    if code in CARRIER_NAMES:
        return CARRIER_NAMES[code]
    return supplied.title() if isinstance(supplied, str) and supplied else code
