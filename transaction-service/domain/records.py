"""The records the money path keeps: orders, transactions, payments, refunds, audit entries.

Plain mutable dataclasses: a use case loads them through the unit of work, changes them (states
only through `domain.ledger.Ledger.move`, which checks the transition table and audits), and
saves them back in the same unit of work. What an order knows of its booking is the product's
word, copied in by `Order.record_booking` whenever the product answers.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.models import (
    LIVE_BOOKING,
    BookingStatus,
    OrderStatus,
    PaymentStatus,
    RefundStatus,
    TransactionStatus,
)
from domain.ports import Booking


@dataclass(frozen=True)
class LineItem:
    """One line of the product's quote, as bought."""

    description: str
    quantity: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price


@dataclass
class BookingState:
    """The order's copy of its booking at the product service."""

    status: str = BookingStatus.HELD
    supplier: str = ""
    supplier_reference: str = ""
    holds_inventory: bool = True
    documents: list[dict[str, Any]] = field(default_factory=list)
    refund_amount: Decimal | None = None
    failure_reason: str | None = None
    # Who pays, for the payment page (first_name, last_name, email, phone); not shown.
    customer: dict[str, str] = field(default_factory=dict)

    @property
    def is_live(self) -> bool:
        """Still exists at the supplier: cancelling the order must cancel it there too."""
        return self.status in LIVE_BOOKING


@dataclass(frozen=True)
class Ending:
    """Who is ending an unpaid order and how, written before its charges are stopped: a stopped
    charge's own event can arrive before the ender commits, and then ends the order this way."""

    status: TransactionStatus  # the transaction's end: CANCELLED (a cancel) or FAILED (the sweeper)
    reason: str
    actor: str


@dataclass
class Order:
    id: uuid.UUID
    user_id: str
    order_number: str
    service_type: str
    service_id: str  # the offer id
    quantity: int
    unit_price: Decimal
    total_amount: Decimal
    currency: str
    status: OrderStatus
    booking_details: dict[str, Any]  # the product's normalised details: stored, shown, never read
    booking_reference: str | None
    hold_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    failure_reason: str | None = None
    line_items: list[LineItem] = field(default_factory=list)
    booking: BookingState = field(default_factory=BookingState)
    ending: Ending | None = None

    @property
    def is_unpaid(self) -> bool:
        return self.status in (OrderStatus.DRAFT, OrderStatus.CONFIRMED)

    def hold_lapsed(self, now: datetime) -> bool:
        """The hold (or, for a product without one, the quote) is no longer valid."""
        return self.hold_expires_at is not None and self.hold_expires_at <= now

    def record_booking(self, booking: Booking, now: datetime) -> None:
        """Takes the product's current word about the booking. Documents, once given, are kept
        (a cancelled booking's tickets stay listed, void); the customer never changes."""
        self.booking = BookingState(
            status=str(booking.status),
            supplier=booking.supplier or self.booking.supplier,
            supplier_reference=booking.supplier_reference or self.booking.supplier_reference,
            holds_inventory=booking.holds_inventory,
            documents=list(booking.documents) or self.booking.documents,
            refund_amount=booking.refund_amount,
            failure_reason=booking.failure_reason,
            customer=self.booking.customer,
        )
        if booking.details:
            self.booking_details = dict(booking.details)
        self.updated_at = now


@dataclass
class Transaction:
    id: uuid.UUID
    user_id: str
    order_id: uuid.UUID
    transaction_type: str
    amount: Decimal
    currency: str
    status: TransactionStatus
    created_at: datetime
    updated_at: datetime
    payment_method: str | None = None
    payment_gateway: str | None = None
    gateway_transaction_id: str | None = None
    refunded_amount: Decimal = Decimal("0.00")
    metadata: dict[str, Any] = field(default_factory=dict)
    completed_at: datetime | None = None


@dataclass
class Payment:
    id: uuid.UUID  # also the gateway's order_id
    transaction_id: uuid.UUID
    amount: Decimal
    currency: str
    status: PaymentStatus
    created_at: datetime
    updated_at: datetime
    gateway: str = "midtrans"
    payment_method: str | None = None
    token: str | None = None
    redirect_url: str | None = None
    gateway_transaction_id: str | None = None
    refunded_amount: Decimal = Decimal("0.00")
    gateway_response: dict[str, Any] | None = None
    paid_at: datetime | None = None
    expires_at: datetime | None = None

    def has_live_charge(self, now: datetime) -> bool:
        """Its Snap page still works: a second charge for the same order is not needed."""
        return bool(self.token) and (self.expires_at is None or self.expires_at > now)


@dataclass
class Refund:
    id: uuid.UUID
    transaction_id: uuid.UUID
    payment_id: uuid.UUID
    amount: Decimal
    reason: str | None
    status: RefundStatus
    refund_key: str
    processed_by: str
    created_at: datetime
    processed_at: datetime | None = None


@dataclass(frozen=True)
class AuditEntry:
    entity_type: str
    entity_id: uuid.UUID
    from_status: str | None
    to_status: str
    actor: str
    request_id: str | None
    reason: str | None
    at: datetime


Record = Order | Transaction | Payment | Refund
