"""How people read amounts and times in a message: `Rp1.250.000`, and an instant in the
customer's own zone with the abbreviation Indonesians use (WIB, WITA, WIT)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.money import rupiah

__all__ = ["local_time", "parse_instant", "rupiah", "zone_label"]

# Indonesia's three zones by IANA name; anything else shows its UTC offset.
_ZONE_LABELS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
_MONTHS = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def parse_instant(value: object) -> datetime | None:
    """An ISO-8601 instant from an event (UTC when it has no offset); None when absent or garbage."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("Asia/Jakarta")


def zone_label(moment: datetime) -> str:
    key = getattr(moment.tzinfo, "key", "")
    if key in _ZONE_LABELS:
        return _ZONE_LABELS[key]
    offset = moment.strftime("%z")
    return f"UTC{offset[:3]}:{offset[3:]}"


def local_time(moment: datetime, zone: str, language: str) -> str:
    """`4 Des 2026 21.30 WIB` (Indonesian writes the time with a dot) or `4 Dec 2026 21:30 WIB`."""
    local = moment.astimezone(_zone(zone))
    month = _MONTHS.get(language, _MONTHS["id"])[local.month - 1]
    sep = "." if language == "id" else ":"
    return f"{local.day} {month} {local.year} {local.hour:02d}{sep}{local.minute:02d} {zone_label(local)}"
