"""In-memory stand-ins: the aggregator (with a small Digiflazz-like catalogue and scriptable
outcomes), the alerts, a settable clock, account states, and the repository and unit of work."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.errors import NoBillYet, SupplierTimeout, SupplierUnavailable, UnknownMeter
from domain.models import (
    Bill,
    BillPeriod,
    Booking,
    Category,
    Margin,
    Offer,
    PlnCustomer,
    PriceListEntry,
    PurchaseResult,
    PurchaseState,
)
from domain.ports import PriceListKind, PriceListRateLimited
from shared.booking_lifecycle import BookingStatus
from shared.tokens import AccountState

D = Decimal


def entry(
    sku: str,
    name: str,
    category: Category,
    brand: str,
    cost: str,
    *,
    active: bool = True,
    start_cut_off: str = "0:0",
    end_cut_off: str = "0:0",
    admin_fee: Decimal | None = None,
) -> PriceListEntry:
    return PriceListEntry(
        sku, name, category, brand, D(cost), active, start_cut_off, end_cut_off, name, admin_fee
    )


PREPAID = [
    entry("tsel10", "Telkomsel 10.000", Category.PULSA, "TELKOMSEL", "10440.00"),
    entry("tsel50", "Telkomsel 50.000", Category.PULSA, "TELKOMSEL", "49850.00"),
    entry("tseld3", "Telkomsel Data 3 GB / 30 Hari", Category.DATA, "TELKOMSEL", "29800.00"),
    entry("xld10", "XL 10.000", Category.PULSA, "XL", "10850.00"),
    entry("isat25", "Indosat 25.000", Category.PULSA, "INDOSAT", "25100.00"),
    entry("tsel150", "Telkomsel 150.000", Category.PULSA, "TELKOMSEL", "147900.00", active=False),
    entry(
        "xld200", "XL 200.000", Category.PULSA, "XL", "196500.00", start_cut_off="0:0", end_cut_off="23:59"
    ),
    entry("pln100", "PLN 100.000", Category.PLN, "PLN", "100150.00"),
    entry("gopay50", "Go Pay 50.000", Category.E_MONEY, "GO PAY", "51150.00"),
]
PASCA = [
    entry("pln", "PLN Pascabayar", Category.POSTPAID, "PLN PASCABAYAR", "0.00", admin_fee=D("2500.00")),
    entry("bpjs", "BPJS Kesehatan", Category.POSTPAID, "BPJS KESEHATAN", "0.00", admin_fee=D("2500.00")),
]


@dataclass
class FakeAggregator:
    """Purchases succeed at once unless `next_outcomes` scripts them; pending ones settle by
    `settle(ref_id)` into their scripted final state."""

    name: str = "digiflazz"
    deposit: Decimal = Decimal("10000000.00")
    down: bool = False
    timeout: bool = False
    price_list_calls: int = 0
    rate_limited: bool = False
    next_outcomes: list[tuple[PurchaseState, PurchaseState]] = field(default_factory=list)
    purchases: dict[str, PurchaseResult] = field(default_factory=dict)
    finals: dict[str, PurchaseState] = field(default_factory=dict)
    sends: list[str] = field(default_factory=list)
    inquiries: list[str] = field(default_factory=list)
    bill_amount: Decimal = Decimal("215500.00")
    prepaid: list[PriceListEntry] = field(default_factory=lambda: list(PREPAID))

    def _check(self) -> None:
        if self.timeout:
            raise SupplierTimeout("digiflazz did not answer in time.")
        if self.down:
            raise SupplierUnavailable("digiflazz answered HTTP 500.")

    async def balance(self) -> Decimal:
        self._check()
        return self.deposit

    async def price_list(self, kind: PriceListKind) -> list[PriceListEntry]:
        self._check()
        if self.rate_limited:
            raise PriceListRateLimited("rc 83")
        self.price_list_calls += 1
        return list(self.prepaid) if kind == "prepaid" else list(PASCA)

    async def inquire_pln(self, customer_no: str) -> PlnCustomer:
        self._check()
        if customer_no.startswith("9"):
            raise UnknownMeter(f"PLN knows no meter or customer id {customer_no}.")
        return PlnCustomer(customer_no, customer_no, "512345678901", "BUDI SANTOSO", "R1 /000001300")

    async def inquire_bill(self, ref_id: str, sku: str, customer_no: str) -> Bill:
        self._check()
        self.inquiries.append(ref_id)
        if customer_no.endswith("1"):
            raise NoBillYet(f"There is no bill for {customer_no} yet (or it is paid).")
        periods = (
            BillPeriod("202610", D("198000.00"), D("5000.00"), D("2500.00")),
            BillPeriod("202611", self.bill_amount, D("0.00"), D("2500.00")),
        )
        selling = sum((p.amount + p.penalty for p in periods), D(0)) + D("5000.00")
        return Bill(
            customer_no,
            "SITI RAHAYU",
            periods,
            D("5000.00"),
            selling,
            selling - D("2000.00"),
            {"tarif": "R1", "daya": "1300"},
        )

    def _purchase(self, ref_id: str, serial: str) -> PurchaseResult:
        self._check()
        self.sends.append(ref_id)
        known = self.purchases.get(ref_id)
        if known is not None:
            return known
        first, final = self.next_outcomes.pop(0) if self.next_outcomes else ("success", "success")
        rc = {"success": "00", "pending": "03", "failed": "02"}[first]
        result = PurchaseResult(
            ref_id, first, rc, "Transaksi", serial if first == "success" else "", None, "DF1"
        )
        self.purchases[ref_id] = result
        self.finals[ref_id] = final
        return result

    def settle(self, ref_id: str, serial: str = "0512345678901234567890") -> PurchaseResult:
        """The operator's late answer for a pending purchase."""
        final = self.finals[ref_id]
        rc = "00" if final == "success" else "02"
        result = PurchaseResult(
            ref_id, final, rc, "Transaksi", serial if final == "success" else "", None, "DF1"
        )
        self.purchases[ref_id] = result
        return result

    async def top_up(self, ref_id: str, sku: str, customer_no: str, max_price: Decimal) -> PurchaseResult:
        serial = "12345678901234567890/BUDI SANTOSO/R1/1300/62.9" if sku.startswith("pln") else "SN0012345"
        return self._purchase(ref_id, serial)

    async def pay_bill(self, ref_id: str, sku: str, customer_no: str) -> PurchaseResult:
        return self._purchase(ref_id, "PLNREF778899")

    async def bill_status(self, ref_id: str, sku: str, customer_no: str) -> PurchaseResult:
        self._check()
        known = self.purchases.get(ref_id)
        return known or PurchaseResult(ref_id, "failed", "50", "Transaksi Tidak Ditemukan")


@dataclass
class FakeAlerts:
    deposits: list[Decimal] = field(default_factory=list)
    low: list[tuple[Decimal, Decimal]] = field(default_factory=list)
    finished: list[str] = field(default_factory=list)

    def deposit_seen(self, amount: Decimal) -> None:
        self.deposits.append(amount)

    def deposit_low(self, amount: Decimal, needed: Decimal) -> None:
        self.low.append((amount, needed))

    def purchase_finished(self, state: str) -> None:
        self.finished.append(state)


class Clock:
    """A clock tests move by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 12, 4, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Accounts:
    def __init__(self) -> None:
        self.states: dict[str, AccountState] = {}

    async def get(self, account_id: str) -> AccountState | None:
        return self.states.get(account_id)


class MemoryRepository:
    """The repository port in memory (unit tests of the use cases)."""

    def __init__(self) -> None:
        self.offers: dict[str, Offer] = {}
        self.bookings: dict[str, Booking] = {}
        self.deliveries: set[str] = set()
        self.margin: Margin | None = None

    async def add_offer(self, offer: Offer) -> None:
        self.offers[offer.offer_id] = offer

    async def get_offer(self, offer_id: str) -> Offer | None:
        return self.offers.get(offer_id)

    async def add_booking(self, booking: Booking) -> None:
        self.bookings[booking.reference] = booking

    async def get_booking(self, reference: str, *, for_update: bool = False) -> Booking | None:
        return self.bookings.get(reference)

    async def save_booking(self, booking: Booking) -> None:
        self.bookings[booking.reference] = booking

    async def due_for_check(self, now: datetime, limit: int) -> list[str]:
        due = [
            b
            for b in self.bookings.values()
            if b.status is BookingStatus.PENDING and b.next_check_at and b.next_check_at <= now
        ]
        return [b.reference for b in sorted(due, key=lambda b: b.next_check_at or now)][:limit]

    async def next_check_at(self) -> datetime | None:
        pending = [b.next_check_at for b in self.bookings.values() if b.status is BookingStatus.PENDING]
        return min((at for at in pending if at is not None), default=None)

    async def claim_due(self, reference: str, now: datetime) -> Booking | None:
        found = self.bookings.get(reference)
        if found is None or found.status is not BookingStatus.PENDING or found.next_check_at is None:
            return None
        return found if found.next_check_at <= now else None

    async def list_bookings(
        self, status: BookingStatus | None, limit: int, offset: int
    ) -> tuple[list[Booking], int]:
        found = [b for b in self.bookings.values() if status is None or b.status is status]
        return found[offset : offset + limit], len(found)

    async def first_delivery(self, delivery_id: str, ref_id: str) -> bool:
        if delivery_id in self.deliveries:
            return False
        self.deliveries.add(delivery_id)
        return True

    async def get_margin(self) -> Margin | None:
        return self.margin

    async def set_margin(self, margin: Margin) -> None:
        self.margin = margin


class MemoryUnitOfWork:
    """Shares one repository; counts commits (changes are visible at once, as tests need)."""

    def __init__(self, repo: MemoryRepository) -> None:
        self.repo = repo
        self.commits = 0

    async def __aenter__(self) -> MemoryUnitOfWork:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def commit(self) -> None:
        self.commits += 1
