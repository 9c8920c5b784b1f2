"""Xendit invoices as charges (docs/providers.md, Xendit): what an invoice's status means for a
charge, how a payment method reads, and the invoice body a charge request becomes.

An invoice is PENDING until paid (PAID, later SETTLED when the money reaches the balance) or
EXPIRED. Xendit's invoice knows nothing of refunds: those are ours to count (domain/refunds.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from domain.models import ChargeStatus, GatewayStatus, money
from domain.requests import ChargeRequest

S = ChargeStatus
XENDIT_STATUSES: dict[str, ChargeStatus] = {
    "PENDING": S.PENDING,
    "PAID": S.PAID,
    "SETTLED": S.PAID,
    "EXPIRED": S.EXPIRED,
}
# Xendit's payment_method → the payment_type vocabulary charges already use (Midtrans's), so a
# report or a receipt reads the same whichever gateway took the money. E-wallets name their channel.
PAYMENT_TYPES = {
    "BANK_TRANSFER": "bank_transfer",
    "QR_CODE": "qris",
    "CREDIT_CARD": "credit_card",
    "RETAIL_OUTLET": "cstore",
    "DIRECT_DEBIT": "direct_debit",
}
DESCRIPTION_LIMIT = 255


def invoice_status(status: str | None) -> ChargeStatus:
    """An unknown status is not a payment: it fails closed, as Midtrans's unknown ones do."""
    return XENDIT_STATUSES.get((status or "").strip().upper(), S.FAILED)


def payment_type(method: Any, channel: Any) -> str | None:
    if not isinstance(method, str) or not method:
        return None
    if method.upper() == "EWALLET" and isinstance(channel, str) and channel:
        return channel.lower()[:40]
    return PAYMENT_TYPES.get(method.upper(), method.lower()[:40])


def parse_time(value: Any) -> datetime | None:
    """Xendit writes "2026-11-27T02:16:40.912Z"; lenient: None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def from_invoice(body: Mapping[str, Any]) -> GatewayStatus:
    """An invoice (GET /v2/invoices/{id}, the answer to create or expire, or a callback) as a
    status report. An amount that is not one (NaN, 1e30, garbage) reads as absent, so it can
    never match a charge's."""
    status = str(body.get("status") or "")
    # A paid invoice's amount is what was paid: a partial or excess payment must not read as the
    # charge's amount.
    paid = invoice_status(status) is S.PAID and body.get("paid_amount") is not None
    try:
        gross = money(body["paid_amount" if paid else "amount"]) if body.get("amount") is not None else None
    except ValueError:
        gross = None
    return GatewayStatus(
        order_id=str(body.get("external_id") or ""),
        status_code=None,
        transaction_status=status or None,
        fraud_status=None,
        gross_amount=gross,
        currency=str(body["currency"]) if body.get("currency") is not None else None,
        payment_type=payment_type(body.get("payment_method"), body.get("payment_channel")),
        transaction_id=str(body["id"]) if body.get("id") is not None else None,
        settlement_time=parse_time(body.get("paid_at")),
        refunded_amount=money("0"),
        normalised=invoice_status(status),
    )


def invoice_payload(request: ChargeRequest) -> dict[str, Any]:
    """The `POST /v2/invoices` body for a charge request (Xendit wants integer rupiah and the
    duration in seconds). Holds no secret: it is stored, and compared when a request is retried."""
    customer = request.customer
    payload: dict[str, Any] = {
        "external_id": request.order_id,
        "amount": int(request.gross_amount),
        "currency": request.currency,
        "description": f"TiketQ payment {request.order_id}: "
        + ", ".join(item.name for item in request.items)[: DESCRIPTION_LIMIT - 40],
        "invoice_duration": request.expiry_minutes * 60,
        "items": [
            {"name": item.name, "quantity": item.quantity, "price": int(item.price), "reference_id": item.id}
            for item in request.items
        ],
    }
    if customer.email:
        payload["payer_email"] = customer.email
    person = {
        "given_names": customer.first_name,
        "surname": customer.last_name,
        "email": customer.email,
        "mobile_number": customer.phone,
    }
    # Xendit validates what is present (an empty email is refused), and wants given_names.
    person = {k: v for k, v in person.items() if v}
    if person.get("given_names"):
        payload["customer"] = person
    return payload
