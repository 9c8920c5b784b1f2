"""Request and response bodies of the public API. Money is a decimal string ("1500000.00")."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

ServiceTypeName = Literal["flight", "ferry", "hotel", "ppob"]
OrderStatusName = Literal["DRAFT", "CONFIRMED", "PAID", "CANCELLED", "COMPLETED"]
TransactionStatusName = Literal["PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED", "REFUNDED"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PassengerIn(BaseModel):
    """Passed to the booking service as given; it checks the rules (flights-service README)."""

    model_config = ConfigDict(extra="allow")

    type: Literal["adult", "child", "infant"]
    first_name: str = Field(min_length=1, max_length=50)
    last_name: str = Field(min_length=1, max_length=50)
    date_of_birth: date


class ContactIn(Strict):
    email: str = Field(min_length=3, max_length=254)
    phone: str = Field(min_length=5, max_length=32)


class BookingDetailsIn(Strict):
    passengers: list[PassengerIn] = Field(min_length=1, max_length=9)
    contact: ContactIn


class OrderCreate(Strict):
    service_type: ServiceTypeName
    offer_id: str = Field(min_length=1, max_length=512)
    booking_details: BookingDetailsIn


class OrderStatusUpdate(Strict):
    status: OrderStatusName
    reason: str = Field(min_length=1, max_length=500)


class Order(BaseModel):
    id: UUID
    order_number: str
    user_id: str
    status: OrderStatusName
    service_type: ServiceTypeName
    offer_id: str
    quantity: int
    unit_price: str
    total_amount: str
    currency: str
    transaction_id: UUID | None
    booking_reference: str | None
    hold_expires_at: str | None
    booking_details: dict[str, Any] = Field(
        description="passengers, contact, supplier, supplier_reference, booking_status, tickets"
    )
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
        # Midtrans moves whole rupiah only: "250000" or "250000.00", never "250000.50".
        if value is not None and (value <= 0 or value != value.to_integral_value()):
            raise ValueError('amount is a positive whole number of rupiah, e.g. "250000.00"')
        return value


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
