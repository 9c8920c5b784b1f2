"""How the payer pays a pending payment, once the gateway knows it: the bank and virtual account
number, Mandiri's biller code and bill key, or the QRIS code, and until when.

With Snap the payer picks a method on Midtrans's page, so these become known only then: the
`pending` notification (and the status answer) carries them (docs/providers.md, Midtrans): a
`bank_transfer` has `va_numbers [{bank, va_number}]` or, for Permata, `permata_va_number`; an
`echannel` (Mandiri Bill Payment) has `biller_code` and `bill_key`; a `qris` (or GoPay) has
`actions [{name: "generate-qr-code", url}]` and, through the Core API, `qr_string`; every
pending one has `expiry_time` ("YYYY-MM-DD HH:MM:SS", Jakarta time).

They are announced once per payment (its own event id) so that the customer is told where to
pay. Nothing secret or about a card is in them: a virtual account number or a QR code is where
money goes, not a credential. Values are bounded so a hostile body cannot grow an event.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

_JAKARTA = timezone(timedelta(hours=7))
_MAX_TEXT = 64
_MAX_URL = 500
_MAX_QR_STRING = 1000


def _text(value: Any, limit: int = _MAX_TEXT) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    return text if text and len(text) <= limit else None


def _expiry(value: Any) -> str | None:
    text = _text(value)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_JAKARTA)
    return parsed.astimezone(UTC).isoformat()


def _qr_url(actions: Any) -> str | None:
    if not isinstance(actions, list):
        return None
    for action in actions:
        if isinstance(action, Mapping) and action.get("name") == "generate-qr-code":
            url = _text(action.get("url"), _MAX_URL)
            if url is not None and url.startswith(("https://", "http://")):
                return url
    return None


def read_midtrans_instructions(body: Mapping[str, Any]) -> dict[str, str] | None:
    """The instructions in a Midtrans status or notification body, JSON-ready; None when it
    carries none (a card, a method not chosen yet)."""
    payment_type = _text(body.get("payment_type"))
    found: dict[str, str] = {}
    va_numbers = body.get("va_numbers")
    if isinstance(va_numbers, list) and va_numbers and isinstance(va_numbers[0], Mapping):
        bank, number = _text(va_numbers[0].get("bank")), _text(va_numbers[0].get("va_number"))
        if bank and number:
            found = {"method": "bank_transfer", "bank": bank.lower(), "va_number": number}
    elif (permata := _text(body.get("permata_va_number"))) is not None:
        found = {"method": "bank_transfer", "bank": "permata", "va_number": permata}
    elif (bill_key := _text(body.get("bill_key"))) is not None and (
        biller := _text(body.get("biller_code"))
    ) is not None:
        found = {"method": "echannel", "bank": "mandiri", "biller_code": biller, "bill_key": bill_key}
    elif payment_type in ("qris", "gopay"):
        qr_string = _text(body.get("qr_string"), _MAX_QR_STRING)
        qr_url = _qr_url(body.get("actions"))
        if qr_string is None and qr_url is None:
            return None
        found = {"method": "qris"}
        if qr_string is not None:
            found["qr_string"] = qr_string
        if qr_url is not None:
            found["qr_url"] = qr_url
    if not found:
        return None
    expires_at = _expiry(body.get("expiry_time"))
    if expires_at is not None:
        found["expires_at"] = expires_at
    return found


def instructions_event_id(gateway: str, order_id: str) -> uuid.UUID:
    """One instructions event per payment, however often the gateway repeats them."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"{gateway}:{order_id}:payment-instructions")
