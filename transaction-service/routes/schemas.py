"""Request and response bodies of the public API. Money is a decimal string ("1500000.00")."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.models import ServiceType
from shared.money import to_money

OrderStatusName = Literal["DRAFT", "CONFIRMED", "PAID", "CANCELLED", "COMPLETED"]
TransactionStatusName = Literal["PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED", "REFUNDED"]
BookingStatusName = Literal["held", "pending", "issued", "cancelled", "expired", "failed"]

# booking_details is the product's JSON, forwarded untouched: bounded here only so that nobody
# stores megabytes or a thousand levels of nesting in an order.
MAX_DETAILS_BYTES = 32 * 1024
MAX_DETAILS_DEPTH = 8


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrderCreate(Strict):
    service_type: ServiceType
    offer_id: str = Field(min_length=1, max_length=512)
    booking_details: dict[str, Any] = Field(
        description=(
            "The product's own details, as its service documents them (flights: passengers and"
            " contact; ferries: passengers, vehicle, contact; hotels: holder, rooms, contact; PPOB:"
            " customer_number, contact). Forwarded untouched; the product service answers 422"
            " `invalid-booking` with field errors, passed on unchanged."
        ),
        examples=[
            {
                "passengers": [
                    {
                        "type": "adult",
                        "title": "ms",
                        "first_name": "Siti",
                        "last_name": "Rahayu",
                        "date_of_birth": "1992-05-17",
                    }
                ],
                "contact": {"email": "siti@example.com", "phone": "0812-3456-7890"},
            }
        ],
    )

    @field_validator("booking_details")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
        if size > MAX_DETAILS_BYTES:
            raise ValueError(f"booking_details is at most {MAX_DETAILS_BYTES} bytes of JSON, not {size}")
        if _depth(value) > MAX_DETAILS_DEPTH:
            raise ValueError(f"booking_details nests at most {MAX_DETAILS_DEPTH} levels deep")
        return value


class LineItem(BaseModel):
    description: str
    quantity: int
    unit_price: str = Field(description="Decimal string; negative for a discount", examples=["1119590.00"])


class Document(BaseModel):
    model_config = ConfigDict(extra="allow")

    kind: str = Field(examples=["e-ticket"])
    reference: str = Field(examples=["126-2345678901"])
    title: str = Field(examples=["E-ticket Siti Rahayu"])
    fields: dict[str, Any] = Field(default_factory=dict)


class BookingView(BaseModel):
    status: BookingStatusName
    supplier: str
    supplier_reference: str
    holds_inventory: bool
    documents: list[Document] = Field(description="The fulfilment once issued (kept, void, after a cancel)")
    refund_amount: str | None = Field(description="What the supplier refunds for a cancellation, if it says")
    failure_reason: str | None


class OrderStatusUpdate(Strict):
    status: OrderStatusName
    reason: str = Field(min_length=1, max_length=500)


class Order(BaseModel):
    id: UUID
    order_number: str
    user_id: str
    status: OrderStatusName
    service_type: ServiceType
    offer_id: str
    quantity: int = Field(description="Σ of the line items' quantities")
    unit_price: str = Field(description="total_amount / quantity (the line items say each unit's price)")
    total_amount: str
    currency: str
    transaction_id: UUID | None
    booking_reference: str | None
    hold_expires_at: str | None = Field(
        description="When the hold lapses, or (products without one) the quote stops being valid"
    )
    line_items: list[LineItem]
    booking_details: dict[str, Any] = Field(description="The product's normalised details")
    booking: BookingView
    failure_reason: str | None
    created_at: str
    updated_at: str


class TransactionCreate(Strict):
    order_id: UUID


class TransactionMetadataIn(Strict):
    notes: str | None = Field(default=None, max_length=1000)


class TransactionUpdate(Strict):
    """Only the payment-method preference and notes, while PENDING. `status` is not accepted."""

    payment_method: str | None = Field(default=None, min_length=1, max_length=50)
    metadata: TransactionMetadataIn | None = None


class CancelRequest(Strict):
    reason: str | None = Field(default=None, max_length=255)


class Transaction(BaseModel):
    id: UUID
    user_id: str
    order_id: UUID
    transaction_type: str
    amount: str
    currency: str
    status: TransactionStatusName
    payment_method: str | None
    payment_gateway: str | None
    gateway_transaction_id: str | None
    refunded_amount: str
    metadata: dict[str, Any]
    completed_at: str | None
    created_at: str
    updated_at: str
    payment_ids: list[UUID] | None = None


class AuditEntry(BaseModel):
    entity_type: str
    entity_id: UUID
    from_status: str | None
    to_status: str
    actor: str
    request_id: str | None
    reason: str | None
    at: str


class PaymentCreate(Strict):
    transaction_id: UUID
    gateway: Literal["midtrans", "xendit"] | None = Field(
        default=None,
        description="Which payment gateway takes it (payment-service's choice when absent: its default,"
        " or a gateway still on while that one is switched off). The answer has the same shape:"
        " `redirect_url` is Midtrans's Snap page or Xendit's invoice page.",
    )


class Payment(BaseModel):
    id: UUID = Field(description="Also the Midtrans order_id")
    transaction_id: UUID
    status: str
    gateway: str
    payment_method: str | None
    token: str | None
    redirect_url: str | None
    amount: str
    currency: str
    refunded_amount: str
    gateway_transaction_id: str | None
    paid_at: str | None
    expires_at: str | None
    created_at: str
    updated_at: str


class RefundCreate(Strict):
    amount: Decimal | None = Field(default=None, description="Default: everything not yet refunded")
    reason: str = Field(min_length=1, max_length=255)

    @field_validator("amount")
    @classmethod
    def _whole_rupiah(cls, value: Decimal | None) -> Decimal | None:
        if value is None:
            return None
        # Bounded first: "1e30" would pass the checks below and only fail deep in the refund
        # (quantize raises InvalidOperation); to_money refuses it and anything past NUMERIC(14,2).
        try:
            amount = to_money(value)
        except ValueError:
            raise ValueError('amount is a positive whole number of rupiah, e.g. "250000.00"') from None
        # Midtrans moves whole rupiah only: "250000" or "250000.00", never "250000.50".
        if amount <= 0 or amount != value or amount != amount.to_integral_value():
            raise ValueError('amount is a positive whole number of rupiah, e.g. "250000.00"')
        return amount


class Refund(BaseModel):
    id: UUID
    transaction_id: UUID
    payment_id: UUID
    amount: str
    currency: str
    reason: str | None
    status: str
    processed_by: str
    processed_at: str | None
    created_at: str


class EventAck(BaseModel):
    event_id: UUID
    outcome: str
