"""The records the money path keeps: orders, transactions, payments, refunds, audit entries.

Plain mutable dataclasses: a use case loads them through the unit of work, changes them (states
only through `domain.services.move`, which checks the transition table and audits), and saves
them back in the same unit of work.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from domain.models import OrderStatus, PaymentStatus, RefundStatus, TransactionStatus


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
    booking_details: dict[str, Any]
    booking_reference: str | None
    hold_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime
    failure_reason: str | None = None


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
