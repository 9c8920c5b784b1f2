"""The money path's use cases, one per file, built over one Ledger: what app.py wires and what
routes, jobs and the sweeper call. Nothing here decides anything; it only says who needs whom."""

from __future__ import annotations

from dataclasses import dataclass

from domain.booking_jobs import BookingJobs
from domain.cancel import CancelTransaction, EndUnpaid
from domain.cancel_order import CancelOrder
from domain.ledger import Ledger
from domain.order_status import SetOrderStatus
from domain.orders import DEFAULT_MAX_UNPAID_ORDERS, CreateOrder
from domain.payment_events import PaymentEvents
from domain.payments import Payments
from domain.ports import BookingGateway, Clock, PaymentGateway
from domain.reads import Reads
from domain.refunds import Refunds
from domain.repository import UnitOfWorkFactory
from domain.sweeper import Sweeper
from domain.transactions import Transactions


@dataclass(frozen=True)
class MoneyPath:
    reads: Reads
    create_order: CreateOrder
    set_order_status: SetOrderStatus
    transactions: Transactions
    cancel: CancelTransaction
    cancel_order: CancelOrder
    payments: Payments
    payment_events: PaymentEvents
    refunds: Refunds
    jobs: BookingJobs
    sweeper: Sweeper


def build_money_path(
    unit_of_work: UnitOfWorkFactory,
    bookings: BookingGateway,
    payments: PaymentGateway,
    clock: Clock,
    *,
    max_unpaid_orders: int = DEFAULT_MAX_UNPAID_ORDERS,
    reading: UnitOfWorkFactory | None = None,
) -> MoneyPath:
    ledger = Ledger(unit_of_work, clock, reading)
    reads = Reads(ledger)
    end_unpaid = EndUnpaid(ledger, payments)
    events = PaymentEvents(ledger, payments)
    refunds = Refunds(ledger, payments)
    return MoneyPath(
        reads=reads,
        create_order=CreateOrder(ledger, bookings, max_unpaid_orders),
        set_order_status=SetOrderStatus(ledger, end_unpaid, reads),
        transactions=Transactions(ledger),
        cancel=CancelTransaction(ledger, end_unpaid),
        cancel_order=CancelOrder(ledger, bookings, end_unpaid, reads),
        payments=Payments(ledger, payments, events, reads),
        payment_events=events,
        refunds=refunds,
        jobs=BookingJobs(ledger, bookings, refunds),
        sweeper=Sweeper(ledger, end_unpaid, events),
    )
