"""What the money path needs from the outside world, as protocols the adapters implement.

- BookingGateway: the internal booking contract every booking service speaks (flights-service
  today; ferries, hotels and PPOB later), chosen by service_type.
- PaymentGateway: payment-service's internal charges API (Midtrans behind it).
Both raise `UpstreamProblem` for an answer that is a problem (status + slug passed on), transient
(5xx/timeouts: worth retrying) or permanent (4xx).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class Booking:
    """A booking as the booking service reports it."""

    reference: str
    status: str  # held | issued | cancelled | expired
    supplier: str
    supplier_reference: str
    total_price: Decimal
    currency: str
    hold_expires_at: datetime | None
    passengers: list[dict[str, Any]]
    contact: dict[str, Any]
    tickets: list[dict[str, Any]] = field(default_factory=list)
    # What the supplier refunds for cancelling an issued booking, when it says (else None).
    refund_amount: Decimal | None = None


@dataclass(frozen=True)
class HoldRequest:
    offer_id: str
    passengers: list[dict[str, Any]]
    contact: dict[str, Any]


class BookingGateway(Protocol):
    async def hold(self, service_type: str, idempotency_key: str, request: HoldRequest) -> Booking: ...

    async def issue(self, service_type: str, reference: str) -> Booking: ...

    async def cancel(self, service_type: str, reference: str) -> Booking: ...

    def supports(self, service_type: str) -> bool: ...


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
        """Stops an unpaid charge; raises ChargePaid if it turns out to be paid."""
        ...

    async def refund(self, order_id: str, refund_key: str, amount: Decimal, reason: str) -> RefundResult: ...
