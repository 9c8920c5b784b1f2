"""What an event says about its order, so that a consumer (notification-service first of all)
can tell the customer without calling back: the order number, what was bought, the amounts, the
payment deadline, who the customer is and, once issued, the fulfilment documents.

The same snapshot goes into every order event under `order` (docs/architecture.md, events). The
booking details (passengers' birth dates and passport numbers) stay out: events travel to more
places than the order does, and no message needs them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.records import Order
from shared.money import money_string


def _utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def order_facts(order: Order) -> dict[str, Any]:
    """The order as the customer knows it, in JSON-ready values (money as decimal strings)."""
    return {
        "order_number": order.order_number,
        "service_type": order.service_type,
        "status": str(order.status),
        "total_amount": money_string(order.total_amount),
        "currency": order.currency,
        "payment_deadline": _utc(order.hold_expires_at),
        "line_items": [
            {
                "description": item.description,
                "quantity": item.quantity,
                "unit_price": money_string(item.unit_price),
            }
            for item in order.line_items
        ],
        "customer": dict(order.booking.customer),
        "supplier_reference": order.booking.supplier_reference or None,
        "documents": list(order.booking.documents),
        "failure_reason": order.failure_reason,
    }


# What payment-service may say about where to pay (bank and virtual account, Mandiri's biller
# code and bill key, a QRIS code, until when): passed on as strings, nothing else, bounded.
_INSTRUCTION_FIELDS = (
    "method",
    "bank",
    "va_number",
    "biller_code",
    "bill_key",
    "qr_string",
    "qr_url",
    "expires_at",
)
_INSTRUCTION_MAX = 1000


def payment_instruction_facts(raw: Any) -> dict[str, str] | None:
    """The payment instructions of a payment-service event, as the customer needs them; None when
    the event carries none (or nothing usable: a destination is a VA, a bill key or a QR code)."""
    if not isinstance(raw, dict):
        return None
    facts = {
        name: value
        for name in _INSTRUCTION_FIELDS
        if isinstance(value := raw.get(name), str) and value and len(value) <= _INSTRUCTION_MAX
    }
    if not ({"va_number", "bill_key", "qr_string", "qr_url"} & facts.keys()):
        return None
    return facts
