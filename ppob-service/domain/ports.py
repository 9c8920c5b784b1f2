"""Ports: what the PPOB use cases need from the outside world, as Protocols. adapters/ implements
them (the Digiflazz client, PostgreSQL, Prometheus); tests/fakes.py implements them in memory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from types import TracebackType
from typing import Literal, Protocol, Self

from domain.models import Bill, Booking, Margin, Offer, PlnCustomer, PriceListEntry, PurchaseResult
from shared.booking_lifecycle import BookingStatus

Clock = Callable[[], datetime]
PriceListKind = Literal["prepaid", "pasca"]


class PriceListRateLimited(Exception):
    """The aggregator refuses to list prices again so soon (Digiflazz rc 83)."""


class RateLimiter(Protocol):
    async def hit(self, key: str) -> int | None:
        """Counts one request for `key`: None while within the limit, else the seconds until
        the next one is allowed (the request is refused and not counted)."""
        ...


class Aggregator(Protocol):
    """The PPOB aggregator. Every method raises SupplierUnavailable / SupplierTimeout /
    SupplierRejected (domain.errors) for transport and protocol trouble."""

    name: str

    async def balance(self) -> Decimal: ...

    async def price_list(self, kind: PriceListKind) -> list[PriceListEntry]:
        """Raises PriceListRateLimited when asked too often."""
        ...

    async def inquire_pln(self, customer_no: str) -> PlnCustomer:
        """Raises UnknownMeter."""
        ...

    async def inquire_bill(self, ref_id: str, sku: str, customer_no: str) -> Bill:
        """Raises NoBillYet, InvalidCustomerNumber."""
        ...

    async def top_up(self, ref_id: str, sku: str, customer_no: str, max_price: Decimal) -> PurchaseResult:
        """Buys, or (the same ref_id again) reads the purchase's status: never buys twice."""
        ...

    async def pay_bill(self, ref_id: str, sku: str, customer_no: str) -> PurchaseResult:
        """Pays the bill inquired under this ref_id; again → its status."""
        ...

    async def bill_status(self, ref_id: str, sku: str, customer_no: str) -> PurchaseResult: ...


class CallbackReader(Protocol):
    """Reads the aggregator's callbacks: checks the signature over the raw body first."""

    def verify(self, raw: bytes, signature: str | None) -> bool: ...

    def parse(self, raw: bytes) -> PurchaseResult:
        """Raises ValueError for a body that is not a purchase update."""
        ...


class Alerts(Protocol):
    """Where operators learn about the deposit (logs and metrics)."""

    def deposit_seen(self, amount: Decimal) -> None: ...

    def deposit_low(self, amount: Decimal, needed: Decimal) -> None: ...

    def purchase_finished(self, state: str) -> None: ...


class PpobRepository(Protocol):
    async def add_offer(self, offer: Offer) -> None: ...

    async def get_offer(self, offer_id: str) -> Offer | None: ...

    async def add_booking(self, booking: Booking) -> None: ...

    async def get_booking(self, reference: str, *, for_update: bool = False) -> Booking | None: ...

    async def save_booking(self, booking: Booking) -> None: ...

    async def due_for_check(self, now: datetime, limit: int) -> list[str]:
        """References of pending purchases whose next status check is due."""
        ...

    async def next_check_at(self) -> datetime | None:
        """When the earliest pending purchase is to be checked (due or not); None: none pending."""
        ...

    async def claim_due(self, reference: str, now: datetime) -> Booking | None:
        """The purchase, locked until the unit of work ends, if it is still pending, its check
        still due and no other process holds it (every replica runs the checker: the one that
        locks it first checks it, the others skip it); else None."""
        ...

    async def list_bookings(
        self, status: BookingStatus | None, limit: int, offset: int
    ) -> tuple[list[Booking], int]: ...

    async def first_delivery(self, delivery_id: str, ref_id: str) -> bool:
        """Records a callback delivery id; False when it was seen before."""
        ...

    async def get_margin(self) -> Margin | None: ...

    async def set_margin(self, margin: Margin) -> None: ...


class UnitOfWork(Protocol):
    @property
    def repo(self) -> PpobRepository: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...

    async def commit(self) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
