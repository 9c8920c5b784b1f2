"""Charges and their statuses, as the payment gateways report them.

A charge is our copy of one gateway payment (a Midtrans Snap order, or a Xendit invoice).
Midtrans's own `transaction_status` + `fraud_status` are normalised to a `ChargeStatus` here
(Xendit's invoice statuses in domain/xendit.py); `TRANSITIONS` says which status may follow which,
so a stale report (a `pending` after `settlement`) changes nothing.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any

from domain.payment_instructions import instructions_event_id, read_midtrans_instructions
from domain.personal_data import without_customer
from shared.money import money_string, to_money

GATEWAY = "midtrans"
CURRENCY = "IDR"
TOPIC_STATUS_CHANGED = "payment.status_changed"
ZERO = Decimal("0.00")
# Midtrans writes transaction_time/settlement_time as "YYYY-MM-DD HH:MM:SS" in Jakarta time.
MIDTRANS_TZ = timezone(timedelta(hours=7))
ORDER_ID_PATTERN = re.compile(r"^[A-Za-z0-9._~-]{1,50}$")


class ChargeStatus(StrEnum):
    PENDING = "pending"
    CHALLENGE = "challenge"
    PAID = "paid"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    REFUNDED = "refunded"
    PARTIALLY_REFUNDED = "partially_refunded"


S = ChargeStatus

# Which status may follow which. Anything else is stale (or impossible) and changes nothing.
# A payment that lands on a cancelled/expired/failed charge is still announced: money arrived
# and the caller must learn it (to refund it), e.g. after a cancel we could only record locally.
TRANSITIONS: dict[ChargeStatus, frozenset[ChargeStatus]] = {
    S.PENDING: frozenset({S.CHALLENGE, S.PAID, S.FAILED, S.CANCELLED, S.EXPIRED}),
    S.CHALLENGE: frozenset({S.PAID, S.FAILED, S.CANCELLED, S.EXPIRED}),
    S.PAID: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.PARTIALLY_REFUNDED: frozenset({S.PARTIALLY_REFUNDED, S.REFUNDED}),
    S.REFUNDED: frozenset(),
    S.FAILED: frozenset({S.PAID}),
    S.CANCELLED: frozenset({S.PAID}),
    S.EXPIRED: frozenset({S.PAID}),
}
SETTLED_REFINEMENTS = frozenset({("capture", "settlement"), ("PAID", "SETTLED")})
PAID_LIKE = frozenset({S.PAID, S.PARTIALLY_REFUNDED, S.REFUNDED})
FINISHED = frozenset({S.FAILED, S.CANCELLED, S.EXPIRED})

_SIMPLE = {
    "settlement": S.PAID,
    "pending": S.PENDING,
    "deny": S.FAILED,
    "cancel": S.CANCELLED,
    "expire": S.EXPIRED,
    "refund": S.REFUNDED,
    "partial_refund": S.PARTIALLY_REFUNDED,
    "chargeback": S.REFUNDED,
    "partial_chargeback": S.PARTIALLY_REFUNDED,
    # A card authorised but not captured yet: no money has moved.
    "authorize": S.PENDING,
}


def normalise(transaction_status: str | None, fraud_status: str | None) -> ChargeStatus:
    """Midtrans's status → ours (docs/providers.md): paid = settlement, or capture with fraud_status
    accept or absent; capture+challenge waits for the merchant; an unknown status is a failure."""
    ts = (transaction_status or "").strip().lower()
    fs = (fraud_status or "").strip().lower()
    if ts == "capture":
        if fs in ("", "accept"):
            return S.PAID
        if fs == "challenge":
            return S.CHALLENGE
        return S.FAILED  # capture with fraud_status deny
    return _SIMPLE.get(ts, S.FAILED)


def money(value: Any) -> Decimal:
    """A Midtrans amount ("10000.00", 10000, "10000", or 10000.0: its JSON may carry numbers) as
    a Decimal with two places; ValueError for anything else."""
    return to_money(str(value))


def is_whole_rupiah(amount: Decimal) -> bool:
    return amount == amount.to_integral_value()


def parse_midtrans_time(value: Any) -> datetime | None:
    """ "2026-11-27 09:15:00" (Jakarta time) → aware UTC; lenient: None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=MIDTRANS_TZ)
    return parsed.astimezone(UTC)


def _text(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    return str(value)


@dataclass(frozen=True)
class RefundRecord:
    refund_key: str | None
    amount: Decimal


@dataclass(frozen=True)
class GatewayStatus:
    """One gateway's view of a payment: a status answer, a notification, or the answer to
    cancel/expire/refund. Parsed leniently; gateways add fields. `normalised` is set where the
    status is not Midtrans's (Xendit's invoice statuses, our own refund sums)."""

    order_id: str
    status_code: str | None
    transaction_status: str | None
    fraud_status: str | None
    gross_amount: Decimal | None
    currency: str | None
    payment_type: str | None
    transaction_id: str | None
    settlement_time: datetime | None
    refunded_amount: Decimal
    refunds: tuple[RefundRecord, ...] = ()
    normalised: ChargeStatus | None = None
    # Where to pay a pending payment, once the payer chose a method (domain/payment_instructions.py).
    instructions: Mapping[str, str] | None = None

    @property
    def status(self) -> ChargeStatus:
        if self.normalised is not None:
            return self.normalised
        return normalise(self.transaction_status, self.fraud_status)

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> GatewayStatus:
        refunds: list[RefundRecord] = []
        raw_refunds = body.get("refunds")
        if isinstance(raw_refunds, list):
            for item in raw_refunds:
                if isinstance(item, Mapping) and item.get("refund_amount") is not None:
                    try:
                        amount = money(item["refund_amount"])
                    except ValueError:
                        continue
                    key = item.get("refund_key")
                    refunds.append(RefundRecord(str(key) if key is not None else None, amount))
        refunded = sum((r.amount for r in refunds), ZERO)
        if not refunds and body.get("refund_amount") is not None:
            try:
                refunded = money(body["refund_amount"])
            except ValueError:
                refunded = ZERO
        gross: Decimal | None
        try:
            gross = money(body["gross_amount"]) if body.get("gross_amount") is not None else None
        except ValueError:
            gross = None
        return cls(
            order_id=str(body.get("order_id") or ""),
            status_code=_text(body, "status_code"),
            transaction_status=_text(body, "transaction_status"),
            fraud_status=_text(body, "fraud_status"),
            gross_amount=gross,
            currency=_text(body, "currency"),
            payment_type=_text(body, "payment_type"),
            transaction_id=_text(body, "transaction_id"),
            settlement_time=parse_midtrans_time(body.get("settlement_time")),
            refunded_amount=refunded,
            refunds=tuple(refunds),
            instructions=read_midtrans_instructions(body),
        )


def event_id_for(
    order_id: str,
    transaction_status: str | None,
    fraud_status: str | None,
    refunded_amount: Decimal,
    gateway: str = GATEWAY,
) -> uuid.UUID:
    """The event's id is derived from the fact it announces, so the same status seen any number
    of times (50 duplicate notifications, a sync racing a notification) is one event. A missing
    transaction_status/fraud_status counts as the empty string."""
    refunded = money_string(refunded_amount)
    name = f"{gateway}:{order_id}:{transaction_status or ''}:{fraud_status or ''}:{refunded}"
    return uuid.uuid5(uuid.NAMESPACE_URL, name)


class Applied(StrEnum):
    ANNOUNCE = "announce"  # the status (or the refunded amount) changed: emit an event
    RECORDED = "recorded"  # details filled in, same status: no event
    DUPLICATE = "duplicate"  # nothing new
    STALE = "stale"  # an older or impossible status: ignored


@dataclass
class Charge:
    id: uuid.UUID
    order_id: str
    idempotency_key: str  # the key it was created under: another key for its order_id is refused
    gross_amount: Decimal
    currency: str
    request: dict[str, Any]
    expires_at: datetime
    created_at: datetime
    updated_at: datetime
    gateway: str = GATEWAY
    status: ChargeStatus = S.PENDING
    transaction_status: str | None = None
    fraud_status: str | None = None
    status_code: str | None = None
    payment_type: str | None = None
    gateway_transaction_id: str | None = None
    settlement_time: datetime | None = None
    token: str | None = None
    redirect_url: str | None = None
    refunded_amount: Decimal = field(default_factory=lambda: ZERO)

    @property
    def remaining_amount(self) -> Decimal:
        return self.gross_amount - self.refunded_amount

    def attach_snap(self, token: str, redirect_url: str, now: datetime, reference: str | None = None) -> None:
        """The gateway started the payment: its token (Snap) or id (Xendit's invoice: `reference`
        too, the id every later call names) and the page the payer opens. The gateway has the
        customer now and the stored body is never sent again, so it keeps no customer."""
        self.token = token
        self.request = without_customer(self.request)
        self.redirect_url = redirect_url
        if reference is not None:
            self.gateway_transaction_id = reference
        self.updated_at = now

    @property
    def gateway_reference(self) -> str | None:
        """The gateway's own id of this payment, once it has one."""
        return self.gateway_transaction_id

    def apply(self, report: GatewayStatus, now: datetime) -> Applied:
        """Applies what Midtrans says unless it is stale. Only a change of status or of the
        refunded amount is announced; a refinement of the same status (capture → settlement, a
        payment_type learnt later) is recorded quietly."""
        new = report.status
        refunded = self.refunded_amount
        if new in (S.REFUNDED, S.PARTIALLY_REFUNDED):
            refunded = max(refunded, report.refunded_amount)
            if new is S.REFUNDED and refunded == ZERO:
                refunded = self.gross_amount  # a full refund whose amount Midtrans did not repeat
        if new is self.status and refunded == self.refunded_amount:
            return self._refine(report, now)
        if new not in TRANSITIONS[self.status]:
            return Applied.STALE
        if (
            new is S.PARTIALLY_REFUNDED
            and self.status is S.PARTIALLY_REFUNDED
            and refunded <= self.refunded_amount
        ):
            return Applied.STALE
        self.status = new
        self.refunded_amount = refunded
        self.transaction_status = report.transaction_status
        self.fraud_status = report.fraud_status or self.fraud_status
        self.status_code = report.status_code
        self.payment_type = report.payment_type or self.payment_type
        self.gateway_transaction_id = report.transaction_id or self.gateway_transaction_id
        self.settlement_time = report.settlement_time or self.settlement_time
        self.updated_at = now
        return Applied.ANNOUNCE

    def _refine(self, report: GatewayStatus, now: datetime) -> Applied:
        changed = False
        # capture (accepted) → settlement at Midtrans, PAID → SETTLED at Xendit: the same money,
        # now settled.
        if self.transaction_status != report.transaction_status and (
            self.transaction_status is None
            or (self.transaction_status, report.transaction_status) in SETTLED_REFINEMENTS
        ):
            self.transaction_status = report.transaction_status
            self.status_code = report.status_code
            changed = True
        for attr, value in (
            ("payment_type", report.payment_type),
            ("gateway_transaction_id", report.transaction_id),
            ("settlement_time", report.settlement_time),
            ("fraud_status", report.fraud_status),
        ):
            if value is not None and getattr(self, attr) is None:
                setattr(self, attr, value)
                changed = True
        if changed:
            self.updated_at = now
            return Applied.RECORDED
        return Applied.DUPLICATE

    def cancel_locally(self, now: datetime) -> Applied:
        """Midtrans never heard of the order (the payer never chose a method): stop it here."""
        if S.CANCELLED not in TRANSITIONS[self.status]:
            return Applied.STALE
        self.status = S.CANCELLED
        self.transaction_status = None
        self.updated_at = now
        return Applied.ANNOUNCE

    def event_id(self) -> uuid.UUID:
        return event_id_for(
            self.order_id, self.transaction_status, self.fraud_status, self.refunded_amount, self.gateway
        )

    def instructions_event_id(self) -> uuid.UUID:
        return instructions_event_id(self.gateway, self.order_id)

    def event_payload(self, observed_at: datetime) -> dict[str, Any]:
        """`data` of the payment.status_changed event transaction-service consumes."""
        return {
            "order_id": self.order_id,
            "gateway": self.gateway,
            "gateway_transaction_id": self.gateway_transaction_id,
            "status": self.status.value,
            "transaction_status": self.transaction_status,
            "fraud_status": self.fraud_status,
            "status_code": self.status_code,
            "payment_type": self.payment_type,
            "gross_amount": money_string(self.gross_amount),
            "currency": self.currency,
            "settlement_time": self.settlement_time.isoformat() if self.settlement_time else None,
            "refunded_amount": money_string(self.refunded_amount),
            "observed_at": observed_at.isoformat(),
        }
