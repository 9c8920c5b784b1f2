"""Request and response bodies of the public PPOB routes and of the booking contract."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.models import CatalogueItem, Category, Margin, Offer
from shared.money import money_string


def instant(value: datetime) -> str:
    """UTC with a Z, as every TiketQ instant."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class ProductOut(BaseModel):
    product_code: str = Field(examples=["tsel50"])
    name: str = Field(examples=["Telkomsel 50.000"])
    category: Category
    brand: str = Field(examples=["TELKOMSEL"])
    price: str = Field(
        description="Our selling price; for postpaid billers the admin fee per bill.", examples=["50850.00"]
    )
    currency: Literal["IDR"] = "IDR"
    type: Literal["prepaid", "postpaid"]
    description: str

    @classmethod
    def of(cls, item: CatalogueItem) -> ProductOut:
        return cls(
            product_code=item.product_code,
            name=item.name,
            category=item.category,
            brand=item.brand,
            price=money_string(item.price),
            type=item.type,
            description=item.description,
        )


class ProductList(BaseModel):
    items: list[ProductOut]
    total: int
    limit: int
    offset: int
    operator: str | None = Field(default=None, description="The operator of the typed phone number.")


class InquiryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_code: str = Field(min_length=1, max_length=64, examples=["pln100"])
    customer_no: str = Field(
        min_length=4,
        max_length=32,
        examples=["14234567890"],
        description="Phone number (08…, +62…), PLN meter / customer id, or bill number",
    )


class LineOut(BaseModel):
    description: str
    quantity: int
    unit_price: str


class OfferOut(BaseModel):
    """A quote: order it with `POST /orders/` (`service_type: "ppob"`, this `offer_id`)."""

    offer_id: str
    product_code: str
    product_name: str
    category: Category
    customer_no: str
    details: dict[str, Any] = Field(
        description="Top-ups: the number; PLN: the meter owner's name and power; "
        "bills: customer name, periods, bill, penalty and admin fee."
    )
    items: list[LineOut]
    total: str
    currency: Literal["IDR"] = "IDR"
    expires_at: str

    @classmethod
    def of(cls, offer: Offer) -> OfferOut:
        return cls(
            offer_id=offer.offer_id,
            product_code=offer.product_code,
            product_name=offer.product_name,
            category=offer.category,
            customer_no=offer.customer_no,
            details=offer.details,
            items=[
                LineOut(description=x.description, quantity=x.quantity, unit_price=money_string(x.unit_price))
                for x in offer.lines
            ],
            total=money_string(offer.total),
            expires_at=instant(offer.expires_at),
        )


class MarginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    flat: str = Field(
        pattern=r"^\d{1,7}(\.\d{1,2})?$", examples=["1500.00"], description="Rupiah per purchase"
    )
    percent: str = Field(
        pattern=r"^\d{1,2}(\.\d{1,2})?$", examples=["1.5"], description="Percent of the cost"
    )


class MarginOut(BaseModel):
    flat: str
    percent: str
    currency: Literal["IDR"] = "IDR"

    @classmethod
    def of(cls, margin: Margin) -> MarginOut:
        return cls(flat=money_string(margin.flat), percent=str(margin.percent))


class BalanceOut(BaseModel):
    supplier: str
    deposit: str
    currency: Literal["IDR"] = "IDR"


class PurchaseOut(BaseModel):
    """A purchase as admins see it (the booking contract's booking)."""

    booking_reference: str
    status: str
    offer_id: str
    supplier: str
    supplier_reference: str | None
    quote: dict[str, Any]
    customer: dict[str, str]
    booking_details: dict[str, Any]
    documents: list[dict[str, Any]]
    failure_reason: str | None
    hold_expires_at: str
    created_at: str
    updated_at: str
    model_config = ConfigDict(extra="ignore")


class PurchaseList(BaseModel):
    items: list[PurchaseOut]
    total: int
    limit: int
    offset: int
