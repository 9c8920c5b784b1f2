"""Request and response bodies. Money is a decimal string ("1500000.00") beside "currency"."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from domain.models import Charge
from domain.repository import Refund
from domain.requests import ChargeRequest, Customer, Item
from shared.money import money_string


def _no_float(value: object) -> object:
    # A JSON number like 1500000.1 has already lost exactness as a float: insist on strings or ints.
    if isinstance(value, float):
        raise ValueError('send money as a decimal string, e.g. "1500000.00"')
    return value


Money = Annotated[Decimal, BeforeValidator(_no_float), Field(max_digits=14, decimal_places=2)]


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=50)
    name: str = Field(min_length=1, max_length=255)
    price: Money
    quantity: int = Field(ge=1, le=10_000)


class CustomerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str | None = Field(default=None, max_length=255)
    last_name: str | None = Field(default=None, max_length=255)
    email: str | None = Field(default=None, max_length=255)
    phone: str | None = Field(default=None, max_length=40)


class ChargeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: str = Field(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9._~-]+$")
    gross_amount: Money
    currency: Literal["IDR"] = "IDR"
    item_details: list[ItemIn] = Field(min_length=1, max_length=100)
    customer_details: CustomerIn = Field(default_factory=CustomerIn)
    expiry_minutes: int = Field(ge=1, le=1440)
    gateway: Literal["midtrans", "xendit"] | None = Field(
        default=None,
        description="Which payment gateway takes it; absent: the configured default (or, while that"
        " one is switched off, a gateway still on).",
    )

    def to_domain(self) -> ChargeRequest:
        return ChargeRequest(
            order_id=self.order_id,
            gross_amount=self.gross_amount,
            currency=self.currency,
            items=tuple(Item(i.id, i.name, i.price, i.quantity) for i in self.item_details),
            customer=Customer(**self.customer_details.model_dump()),
            expiry_minutes=self.expiry_minutes,
            gateway=self.gateway,
        )


class ChargeOut(BaseModel):
    charge_id: str
    order_id: str
    gateway: str = Field(description="midtrans | xendit")
    status: str = Field(
        description="pending | paid | failed | cancelled | expired | refunded | partially_refunded"
        " | challenge"
    )
    transaction_status: str | None = Field(
        description="The gateway's last word: Midtrans's transaction_status, or Xendit's invoice status"
        " (PENDING, PAID, SETTLED, EXPIRED); refund | partial_refund once refunded."
    )
    token: str | None = Field(description="Midtrans's Snap token, or Xendit's invoice id.")
    redirect_url: str | None = Field(description="The Snap payment page, or Xendit's invoice page.")
    gross_amount: str
    currency: str
    payment_type: str | None
    gateway_transaction_id: str | None
    refunded_amount: str
    expires_at: datetime
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: Charge) -> ChargeOut:
        return cls(
            charge_id=str(c.id),
            order_id=c.order_id,
            gateway=c.gateway,
            status=c.status.value,
            transaction_status=c.transaction_status,
            token=c.token,
            redirect_url=c.redirect_url,
            gross_amount=money_string(c.gross_amount),
            currency=c.currency,
            payment_type=c.payment_type,
            gateway_transaction_id=c.gateway_transaction_id,
            refunded_amount=money_string(c.refunded_amount),
            expires_at=c.expires_at,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )


class RefundIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: Money
    reason: str = Field(min_length=1, max_length=255)


class RefundOut(BaseModel):
    refund_key: str
    order_id: str
    amount: str
    reason: str
    status: str
    transaction_status: str = Field(description="refund | partial_refund")
    refunded_amount: str = Field(description="Total refunded on the charge so far.")
    created_at: datetime

    @classmethod
    def of(cls, r: Refund) -> RefundOut:
        return cls(
            refund_key=r.refund_key,
            order_id=r.order_id,
            amount=money_string(r.amount),
            reason=r.reason,
            status=r.status,
            transaction_status=r.transaction_status,
            refunded_amount=money_string(r.refunded_amount),
            created_at=r.created_at,
        )


class WebhookAck(BaseModel):
    status: Literal["ok"] = "ok"
