"""Midtrans transactions in memory: one per order_id, created by Snap, moved by the payment page
and the Core API, and rendered as Midtrans's status/notification body (amounts as "150000.00",
times "YYYY-MM-DD HH:MM:SS" in GMT+7, signature_key = sha512(order_id + status_code +
gross_amount + server_key))."""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from holds import Clock

WIB = timezone(timedelta(hours=7), "WIB")

# transaction_status → the status_code Midtrans reports with it.
STATUS_CODES = {
    "pending": "201",
    "capture": "200",
    "settlement": "200",
    "deny": "202",
    "cancel": "200",
    "expire": "407",
    "refund": "200",
    "partial_refund": "200",
}
FINAL = frozenset({"settlement", "deny", "cancel", "expire", "refund", "partial_refund"})
PAYMENT_TYPES = ("bank_transfer", "echannel", "gopay", "qris", "credit_card")
# Mandiri Bill Payment (`echannel`): the company code Midtrans's merchants pay into.
MANDIRI_BILLER_CODE = "70012"
BANKS = ("bca", "bni", "bri", "permata")


def midtrans_time(moment: datetime) -> str:
    return moment.astimezone(WIB).strftime("%Y-%m-%d %H:%M:%S")


def money(amount: int) -> str:
    return f"{amount}.00"


def signature_key(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{server_key}".encode()).hexdigest()


@dataclass
class Refund:
    refund_chargeback_id: int
    refund_chargeback_uuid: str
    refund_key: str
    amount: int
    reason: str | None
    created_at: datetime
    bank_confirmed_at: datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "refund_chargeback_id": self.refund_chargeback_id,
            "refund_chargeback_uuid": self.refund_chargeback_uuid,
            "refund_amount": money(self.amount),
            "created_at": midtrans_time(self.created_at),
            "reason": self.reason or "",
            "refund_key": self.refund_key,
            "refund_method": "",
        }
        if self.bank_confirmed_at is not None:
            body["bank_confirmed_at"] = midtrans_time(self.bank_confirmed_at)
        return body


@dataclass
class Transaction:
    order_id: str
    token: str
    gross_amount: int
    items: list[dict[str, Any]]
    customer: dict[str, Any]
    created_at: datetime
    expires_at: datetime
    override_urls: list[str] | None = None
    append_urls: list[str] = field(default_factory=list)
    finish_url: str | None = None
    transaction_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    # None until the payer picks a method on the page: Core API answers 404 meanwhile.
    transaction_status: str | None = None
    payment_type: str | None = None
    bank: str | None = None
    fraud_status: str | None = None
    transaction_time: datetime | None = None
    settlement_time: datetime | None = None
    va_number: str | None = None
    snap_closed: bool = False  # the Snap page was closed (expiry passed, or expired via the API)
    refunds: list[Refund] = field(default_factory=list)
    refund_results: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def started(self) -> bool:
        """Midtrans knows the transaction (a method was chosen): status and the Core API see it."""
        return self.transaction_status is not None

    @property
    def finished(self) -> bool:
        return self.transaction_status in FINAL

    @property
    def refunded(self) -> int:
        return sum(r.amount for r in self.refunds)

    @property
    def status_code(self) -> str:
        return STATUS_CODES.get(self.transaction_status or "", "404")

    def snap_expired(self, now: datetime) -> bool:
        return self.snap_closed or (not self.started and now >= self.expires_at)

    def body(self, server_key: str, merchant_id: str, status_message: str) -> dict[str, Any]:
        """The status body, which is also what a notification carries."""
        gross = money(self.gross_amount)
        body: dict[str, Any] = {
            "status_code": self.status_code,
            "status_message": status_message,
            "transaction_id": self.transaction_id,
            "order_id": self.order_id,
            "merchant_id": merchant_id,
            "gross_amount": gross,
            "currency": "IDR",
            "payment_type": self.payment_type,
            "transaction_time": midtrans_time(self.transaction_time or self.created_at),
            "transaction_status": self.transaction_status,
            "fraud_status": self.fraud_status,
            "signature_key": signature_key(self.order_id, self.status_code, gross, server_key),
        }
        if self.fraud_status is None:
            del body["fraud_status"]
        if self.transaction_status == "pending":
            body["expiry_time"] = midtrans_time(self.expires_at)
        if self.settlement_time is not None:
            body["settlement_time"] = midtrans_time(self.settlement_time)
        body.update(self._method_fields())
        if self.refunds:
            body["refund_amount"] = money(self.refunded)
            body["refunds"] = [r.as_dict() for r in self.refunds]
        return body

    def _method_fields(self) -> dict[str, Any]:
        if self.payment_type == "bank_transfer":
            if self.bank == "permata":
                return {"permata_va_number": self.va_number}
            return {"va_numbers": [{"bank": self.bank, "va_number": self.va_number}]}
        if self.payment_type == "echannel":
            return {"bill_key": self.va_number, "biller_code": MANDIRI_BILLER_CODE}
        if self.payment_type == "gopay":
            return {"acquirer": "gopay"}
        if self.payment_type == "qris":
            return {"acquirer": "gopay", "issuer": "gopay"}
        if self.payment_type == "credit_card":
            fields: dict[str, Any] = {
                "masked_card": "48111111-1114",
                "bank": "bni",
                "card_type": "credit",
                "eci": "05",
                "channel_response_code": "00" if self.transaction_status != "deny" else "05",
                "channel_response_message": "Approved"
                if self.transaction_status != "deny"
                else "Do not honor",
            }
            if self.transaction_status not in ("deny", None):
                fields["approval_code"] = "1700000000000"
            return fields
        return {}


class MidtransStore:
    """Transactions by order_id and by Snap token."""

    def __init__(self, clock: Clock, seed: int) -> None:
        self.clock = clock
        self.seed = seed
        self.clear()

    def clear(self) -> None:
        self.by_order: dict[str, Transaction] = {}
        self.by_token: dict[str, str] = {}
        self.rng = random.Random(f"{self.seed}:midtrans")
        self._refund_ids = 0

    def add(self, txn: Transaction) -> None:
        self.by_order[txn.order_id] = txn
        self.by_token[txn.token] = txn.order_id

    def get(self, order_id: str) -> Transaction | None:
        return self.by_order.get(order_id)

    def by_snap_token(self, token: str) -> Transaction | None:
        order_id = self.by_token.get(token)
        return self.by_order.get(order_id) if order_id is not None else None

    def find(self, order_or_transaction_id: str) -> Transaction | None:
        """The Core API accepts the order_id or Midtrans's transaction_id in the path."""
        txn = self.by_order.get(order_or_transaction_id)
        if txn is not None:
            return txn
        return next((t for t in self.by_order.values() if t.transaction_id == order_or_transaction_id), None)

    def va_number(self, bank: str) -> str:
        digits = {"bca": 11, "bni": 16, "bri": 18, "permata": 18, "mandiri": 12}[bank]
        return "".join(str(self.rng.randrange(10)) for _ in range(digits))

    def next_refund_id(self) -> int:
        self._refund_ids += 1
        return 100000 + self._refund_ids
