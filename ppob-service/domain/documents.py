"""What a customer keeps after a purchase: the operator's serial number, the PLN token, or the
bill receipt (the booking contract's product-neutral documents)."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from domain.models import Booking, Category
from shared.booking_lifecycle import Document

_TOKEN = re.compile(r"\d{20}")


def group_token(token: str) -> str:
    """'12345678901234567890' → '1234 5678 9012 3456 7890', as printed on PLN receipts."""
    return " ".join(token[i : i + 4] for i in range(0, 20, 4))


def rupiah_text(value: Any) -> str:
    amount = Decimal(str(value)).quantize(Decimal("1"))
    return "Rp" + f"{amount:,}".replace(",", ".")


def documents_for(booking: Booking, serial: str) -> tuple[Document, ...]:
    if booking.category is Category.PLN:
        return (_pln_token(booking, serial),)
    if booking.category is Category.POSTPAID:
        return (_receipt(booking, serial),)
    return (
        Document(
            kind="serial-number",
            reference=serial or "-",
            title=f"{booking.product_name} {booking.customer_no}"[:200],
            fields={"product": booking.product_name, "number": booking.customer_no, "serial_number": serial},
        ),
    )


def _pln_token(booking: Booking, serial: str) -> Document:
    # Digiflazz writes the token first in `sn`, then name, segment, power and kWh, '/'-separated.
    parts = [part.strip() for part in serial.split("/")]
    digits = re.sub(r"\D", "", parts[0]) if parts else ""
    token = digits if _TOKEN.fullmatch(digits) else ""
    fields = {
        "meter": booking.customer_no,
        "name": str(booking.details.get("customer_name", parts[1] if len(parts) > 1 else "")),
        "segment_power": str(booking.details.get("segment_power", "")),
        "kwh": parts[4] if len(parts) > 4 else "",
        "product": booking.product_name,
    }
    return Document(
        kind="pln-token",
        reference=group_token(token) if token else serial,
        title=f"Token {booking.product_name} meter {booking.customer_no}"[:200],
        fields=fields,
    )


def _receipt(booking: Booking, serial: str) -> Document:
    details = booking.details
    periods = details.get("periods", [])
    fields = {
        "customer_number": booking.customer_no,
        "customer_name": str(details.get("customer_name", "")),
        "biller": booking.product_name,
        "periods": ", ".join(str(p["period"]) for p in periods),
        "bill": rupiah_text(sum(Decimal(p["amount"]) for p in periods)),
        "penalty": rupiah_text(sum(Decimal(p["penalty"]) for p in periods)),
        "admin_fee": rupiah_text(details.get("admin_fee", "0")),
        "total": rupiah_text(booking.total),
        "reference": serial,
    }
    return Document(
        kind="receipt",
        reference=serial or booking.reference,
        title=f"Receipt {booking.product_name} {booking.customer_no}"[:200],
        fields=fields,
    )
