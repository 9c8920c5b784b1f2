"""Where the customer pays, as an event tells it (`payment_instructions`: a bank's virtual
account, Mandiri's biller code and bill key, or a QRIS code, and until when), in the customer's
words: "BCA Virtual Account 12345678901", the deadline in their zone. Read defensively, like the
order: anything missing or odd means no instructions, never a refused event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.formatting import local_time, parse_instant

_BANKS = {
    "bca": "BCA",
    "bni": "BNI",
    "bri": "BRI",
    "permata": "Permata",
    "mandiri": "Mandiri",
    "cimb": "CIMB Niaga",
    "bsi": "BSI",
}
_MAX = 1000


@dataclass(frozen=True)
class PaymentInstructions:
    method: str  # bank_transfer | echannel | qris
    bank: str | None
    va_number: str | None
    biller_code: str | None
    bill_key: str | None
    qr_url: str | None
    has_qr: bool
    expires_at: str | None

    @property
    def bank_name(self) -> str:
        if self.bank is None:
            return ""
        return _BANKS.get(self.bank.lower(), self.bank.upper())


def _text(raw: dict[str, Any], name: str) -> str | None:
    value = raw.get(name)
    return value.strip() if isinstance(value, str) and value.strip() and len(value) <= _MAX else None


def read_instructions(raw: Any) -> PaymentInstructions | None:
    if not isinstance(raw, dict):
        return None
    qr_url = _text(raw, "qr_url")
    if qr_url is not None and not qr_url.startswith(("https://", "http://")):
        qr_url = None
    found = PaymentInstructions(
        method=_text(raw, "method") or "",
        bank=_text(raw, "bank"),
        va_number=_text(raw, "va_number"),
        biller_code=_text(raw, "biller_code"),
        bill_key=_text(raw, "bill_key"),
        qr_url=qr_url,
        has_qr=qr_url is not None or _text(raw, "qr_string") is not None,
        expires_at=_text(raw, "expires_at"),
    )
    if found.va_number and found.bank:
        return found
    if found.bill_key and found.biller_code:
        return found
    if found.has_qr:
        return found
    return None


def instructions_context(
    found: PaymentInstructions | None, zone: str, language: str
) -> dict[str, Any] | None:
    """What the templates place: `kind` (va, bill or qris), the bank's name, the numbers, the
    QR image's address and the deadline in the customer's zone ("" when unknown)."""
    if found is None:
        return None
    expires = parse_instant(found.expires_at)
    if found.va_number and found.bank:
        kind = "va"
    elif found.bill_key and found.biller_code:
        kind = "bill"
    else:
        kind = "qris"
    return {
        "kind": kind,
        "bank": found.bank_name,
        "va_number": found.va_number or "",
        "biller_code": found.biller_code or "",
        "bill_key": found.bill_key or "",
        "qr_url": found.qr_url or "",
        "expires": local_time(expires, zone, language) if expires else "",
    }
