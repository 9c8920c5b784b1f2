"""What the money path needs from the outside world, as protocols the adapters implement.

- BookingGateway: the booking contract every product service speaks (docs/booking-contract.md),
  chosen by service_type. It raises BookingRefused (for good), ProductUnavailable /
  ProductTimeout / ProductAnswerInvalid (worth retrying).
- PaymentGateway: payment-service's internal charges API (Midtrans behind it). It raises
  ChargePaid, ChargeNotFound, PaymentRefused (for good), PaymentServiceUnavailable /
  PaymentGatewayRejected (worth retrying).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from domain.models import BookingStatus

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class QuoteItem:
    """One line of what is bought, as the product words it; `unit_price` < 0 is a discount."""

    description: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Quote:
    items: tuple[QuoteItem, ...]
    total: Decimal
    currency: str

    @property
    def quantity(self) -> int:
        return sum(item.quantity for item in self.items)

    def adds_up(self) -> bool:
        """The contract's arithmetic: at least one line, quantities ≥ 1, Σ qty × price = total
        exactly (a product that rounds wrongly must not make us charge another amount)."""
        if not self.items or any(item.quantity < 1 for item in self.items):
            return False
        return sum((item.quantity * item.unit_price for item in self.items), Decimal(0)) == self.total


@dataclass(frozen=True)
class Customer:
    """Who pays, for the payment page: from the booking's contact."""

    first_name: str
    last_name: str
    email: str
    phone: str


@dataclass(frozen=True)
class Booking:
    """A booking as its product service reports it. `details` (the product's normalised
    booking_details) and `documents` (`{kind, reference, title, fields}`) are the product's own
    JSON: stored and shown, never read here."""

    reference: str
    service_type: str
    status: BookingStatus
    supplier: str
    supplier_reference: str
    holds_inventory: bool
    hold_expires_at: datetime | None
    quote: Quote
    customer: Customer
    details: dict[str, Any] = field(default_factory=dict)
    documents: list[dict[str, Any]] = field(default_factory=list)
    failure_reason: str | None = None
    # What the supplier refunds us for a cancellation, when it names it (else None).
    refund_amount: Decimal | None = None


@dataclass(frozen=True)
class HoldRequest:
    offer_id: str
    booking_details: dict[str, Any]  # the client's, forwarded untouched


class BookingGateway(Protocol):
    def supports(self, service_type: str) -> bool: ...

    async def hold(self, service_type: str, idempotency_key: str, request: HoldRequest) -> Booking: ...

    async def get(self, service_type: str, reference: str) -> Booking: ...

    async def issue(self, service_type: str, reference: str) -> Booking: ...

    async def cancel(self, service_type: str, reference: str) -> Booking: ...


@dataclass(frozen=True)
class ChargeItem:
    id: str
    name: str
    price: Decimal
    quantity: int


@dataclass(frozen=True)
class ChargeRequest:
    order_id: str  # our payment id: Midtrans's order_id
    gross_amount: Decimal
    currency: str
    items: Sequence[ChargeItem]
    customer: dict[str, str]
    expiry_minutes: int
    gateway: str | None = None  # midtrans | xendit; None: payment-service's default


@dataclass(frozen=True)
class Charge:
    """payment-service's Charge: `status` is the normalised one (pending, paid, failed, …)."""

    order_id: str
    status: str
    transaction_status: str | None
    token: str | None
    redirect_url: str | None
    gross_amount: Decimal
    currency: str
    payment_type: str | None
    gateway_transaction_id: str | None
    refunded_amount: Decimal
    expires_at: datetime | None
    raw: dict[str, Any]
    gateway: str = "midtrans"


@dataclass(frozen=True)
class RefundResult:
    refund_key: str
    amount: Decimal
    refunded_amount: Decimal
    transaction_status: str | None


class PaymentGateway(Protocol):
    async def create_charge(self, idempotency_key: str, request: ChargeRequest) -> Charge: ...

    async def sync(self, order_id: str) -> Charge: ...

    async def cancel(self, order_id: str) -> Charge:
        """Stops an unpaid charge; raises ChargePaid if it turns out to be paid, ChargeNotFound
        if it never reached the gateway."""
        ...

    async def refund(self, order_id: str, refund_key: str, amount: Decimal, reason: str) -> RefundResult: ...
