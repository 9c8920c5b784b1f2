"""Browsing and quoting: the catalogue for a category or a typed number, and inquiries that turn
a product and a customer number into an offer (a validated quote with an expiry)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from decimal import Decimal

from domain.errors import InvalidCustomerNumber, TooManyInquiries, UnknownProduct, WrongOperator
from domain.models import (
    CATEGORY_ORDER,
    TOP_UPS,
    Bill,
    CatalogueItem,
    Category,
    Margin,
    Offer,
    PlnCustomer,
    PriceListEntry,
)
from domain.numbers import OPERATOR_NAMES, account_number, e164, local_mobile, looks_like_phone, operator_of
from domain.ports import Aggregator, Clock, RateLimiter, UnitOfWorkFactory
from domain.price_list import PriceListCache, in_cut_off, selling_price
from shared.booking_lifecycle import LineItem

PLN_LENGTHS = (11, 12)
# Postpaid customer ids, by biller brand: PLN ids, BPJS virtual accounts, PDAM and Telkom numbers.
BILL_LENGTHS = {"PLN PASCABAYAR": (11, 12), "BPJS KESEHATAN": (13, 16)}
DEFAULT_BILL_LENGTHS = (6, 16)
MARGIN_CACHE = timedelta(seconds=5)


class Catalogue:
    def __init__(
        self,
        aggregator: Aggregator,
        prices: PriceListCache,
        unit_of_work: UnitOfWorkFactory,
        clock: Clock,
        *,
        default_margin: Margin,
        quote_ttl_seconds: float,
        inquiries: RateLimiter | None = None,
    ) -> None:
        self._aggregator = aggregator
        self._prices = prices
        self._uow = unit_of_work
        self._clock = clock
        self._default_margin = default_margin
        self._quote_ttl = timedelta(seconds=quote_ttl_seconds)
        self._margin: tuple[Margin, datetime] | None = None
        self._inquiries = inquiries

    async def margin(self) -> Margin:
        """The margin admins set (else the configured one), read again at most every few
        seconds: every catalogue request needs it, and other processes learn a change that soon."""
        now = self._clock()
        if self._margin is not None and now - self._margin[1] < MARGIN_CACHE:
            return self._margin[0]
        async with self._uow() as uow:
            margin = await uow.repo.get_margin() or self._default_margin
        self._margin = (margin, now)
        return margin

    async def set_margin(self, margin: Margin) -> Margin:
        async with self._uow() as uow:
            await uow.repo.set_margin(margin)
            await uow.commit()
        self._margin = (margin, self._clock())
        return margin

    async def products(self, category: Category | None, customer_no: str | None) -> list[CatalogueItem]:
        """What is on sale now; a phone number narrows pulsa and data to its operator."""
        brand: str | None = None
        if customer_no:
            if category in (None, *TOP_UPS) and looks_like_phone(customer_no):
                brand = _operator(customer_no)
            elif category is Category.PLN:
                if account_number(customer_no, PLN_LENGTHS) is None:
                    raise InvalidCustomerNumber("A PLN meter number has 11 digits, a PLN customer id 12.")
            elif category in (None, *TOP_UPS):
                raise InvalidCustomerNumber("Not an Indonesian mobile number (08…, +62…).")
        margin = await self.margin()
        items = [self._item(e, margin) for e in await self._on_sale("prepaid")]
        if category in (None, Category.POSTPAID) and brand is None:
            items += [self._item(e, margin) for e in await self._on_sale("pasca")]
        if category is not None:
            items = [i for i in items if i.category is category]
        if brand is not None:
            items = [
                i for i in items if i.category not in (Category.PULSA, Category.DATA) or i.brand == brand
            ]
            if category is None:
                items = [i for i in items if i.category in TOP_UPS]
        return sorted(items, key=lambda i: (CATEGORY_ORDER.index(i.category), i.brand, i.price, i.name))

    async def inquire(self, product_code: str, customer_no: str, client: str | None = None) -> Offer:
        """Validates the number for the product and quotes it; the offer is stored until expiry.
        `client` (its address) is counted against the inquiry limit first, so a flood of
        inquiries never reaches the aggregator."""
        if self._inquiries is not None and client:
            wait = await self._inquiries.hit(f"inquiry:{client}")
            if wait is not None:
                raise TooManyInquiries(wait)
        entry = await self._entry(product_code)
        now = self._clock()
        if entry.category is Category.POSTPAID:
            number = account_number(customer_no, BILL_LENGTHS.get(entry.brand, DEFAULT_BILL_LENGTHS))
            if number is None:
                raise InvalidCustomerNumber(f"Not a {entry.name} customer number.")
            offer_id = _new_id()
            bill = await self._aggregator.inquire_bill(offer_id, entry.sku, number)
            offer = bill_offer(offer_id, entry, number, bill, now, now + self._quote_ttl)
        elif entry.category is Category.PLN:
            number = account_number(customer_no, PLN_LENGTHS)
            if number is None:
                raise InvalidCustomerNumber("A PLN meter number has 11 digits, a PLN customer id 12.")
            pln = await self._aggregator.inquire_pln(number)
            offer = self._pln_offer(entry, pln, await self.margin(), now)
        else:
            local = local_mobile(customer_no)
            if local is None:
                raise InvalidCustomerNumber("Not an Indonesian mobile number (08…, +62…).")
            if entry.category in (Category.PULSA, Category.DATA) and _operator(local) != entry.brand:
                operator = OPERATOR_NAMES.get(entry.brand, entry.brand)
                raise WrongOperator(
                    f"{local} is not a {operator} number; {entry.name} tops up {operator} only."
                )
            price = selling_price(entry.cost, await self.margin())
            line = LineItem(f"{entry.name} for {local}", 1, price)
            offer = Offer(
                _new_id(),
                entry.sku,
                entry.name,
                entry.category,
                entry.brand,
                local,
                (line,),
                entry.cost,
                {"number_e164": e164(local)},
                now,
                now + self._quote_ttl,
            )
        async with self._uow() as uow:
            await uow.repo.add_offer(offer)
            await uow.commit()
        return offer

    async def entry(self, product_code: str) -> PriceListEntry:
        return await self._entry(product_code)

    def _pln_offer(self, entry: PriceListEntry, pln: PlnCustomer, margin: Margin, now: datetime) -> Offer:
        price = selling_price(entry.cost, margin)
        power = f"{pln.segment}/{pln.power_va} VA"
        line = LineItem(f"{entry.name} token, meter {pln.customer_no} ({pln.name}, {power})"[:200], 1, price)
        details = {
            "customer_name": pln.name,
            "segment_power": power,
            "meter_no": pln.meter_no,
            "subscriber_id": pln.subscriber_id,
        }
        return Offer(
            _new_id(),
            entry.sku,
            entry.name,
            entry.category,
            entry.brand,
            pln.customer_no,
            (line,),
            entry.cost,
            details,
            now,
            now + self._quote_ttl,
        )

    async def _entry(self, product_code: str) -> PriceListEntry:
        entries = await self._prices.entries("prepaid")
        if product_code not in entries:
            entries = await self._prices.entries("pasca")
        entry = entries.get(product_code)
        if entry is None or not self._sellable(entry):
            raise UnknownProduct(f"No product {product_code!r} is on sale now.")
        return entry

    def _sellable(self, entry: PriceListEntry) -> bool:
        return entry.active and not in_cut_off(entry, self._clock())

    async def _on_sale(self, kind: str) -> list[PriceListEntry]:
        entries = await self._prices.entries("prepaid" if kind == "prepaid" else "pasca")
        return [e for e in entries.values() if self._sellable(e)]

    def _item(self, entry: PriceListEntry, margin: Margin) -> CatalogueItem:
        if entry.category is Category.POSTPAID:
            # A bill's price is known only after the inquiry; the catalogue shows the admin fee.
            fee = (entry.admin_fee or Decimal(0)).quantize(Decimal("0.01"))
            return CatalogueItem(
                entry.sku, entry.name, entry.category, entry.brand, fee, "postpaid", entry.description
            )
        return CatalogueItem(
            entry.sku,
            entry.name,
            entry.category,
            entry.brand,
            selling_price(entry.cost, margin),
            "prepaid",
            entry.description,
        )


def bill_offer(
    offer_id: str, entry: PriceListEntry, number: str, bill: Bill, now: datetime, expires: datetime
) -> Offer:
    """A bill as quote lines: each month's bill and penalty, then the admin fee."""
    lines: list[LineItem] = []
    for p in bill.periods:
        month = f"{p.period[4:6]}/{p.period[:4]}" if len(p.period) == 6 else p.period
        lines.append(LineItem(f"{entry.name} {number} bill {month}", 1, p.amount))
        if p.penalty > 0:
            lines.append(LineItem(f"Late penalty (denda) {month}", 1, p.penalty))
    if bill.admin_total > 0:
        lines.append(
            LineItem(
                f"Admin fee ({len(bill.periods)} bill{'s' if len(bill.periods) > 1 else ''})",
                1,
                bill.admin_total,
            )
        )
    details = {
        "customer_name": bill.customer_name,
        "periods": [
            {"period": p.period, "amount": str(p.amount), "penalty": str(p.penalty)} for p in bill.periods
        ],
        "admin_fee": str(bill.admin_total),
        **bill.extra,
    }
    return Offer(
        offer_id,
        entry.sku,
        entry.name,
        entry.category,
        entry.brand,
        number,
        tuple(lines),
        bill.cost,
        details,
        now,
        expires,
    )


def _operator(customer_no: str) -> str:
    local = local_mobile(customer_no)
    if local is None:
        raise InvalidCustomerNumber("Not an Indonesian mobile number (08…, +62…).")
    operator = operator_of(local)
    if operator is None:
        raise WrongOperator(f"No operator we sell for uses the prefix {local[:4]}.")
    return operator


def _new_id() -> str:
    return f"ppob_{uuid.uuid4().hex}"
