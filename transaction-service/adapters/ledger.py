"""The money path's use cases over PostgreSQL and the two gateways (DESIGN.md §6).

Every decision about states comes from the domain (`domain.models` transition tables,
`domain.rules.decide_payment`); this module loads and locks the rows, applies what the domain
decided, and writes the audit rows, outbox events and work-queue jobs in the same database
transaction as the change they describe.

Lock order, everywhere: orders → transactions → payments → refunds (so two flows touching one
order never deadlock). Calls to other services are never made while a row lock is held.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, RowMapping, and_, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from adapters import tables as t
from domain.errors import (
    ChargePaid,
    HoldExpired,
    InvalidTransition,
    NotEditable,
    NotFound,
    NotPayable,
    NotRefundable,
    RefundRequired,
    RequestInProgress,
    ServiceTypeUnavailable,
    TransactionExists,
    UpstreamProblem,
)
from domain.models import (
    OPEN_PAYMENT,
    PAYABLE_TRANSACTION,
    OrderStatus,
    PaymentStatus,
    RefundStatus,
    TransactionStatus,
    can_move,
    check,
)
from domain.ports import BookingGateway, ChargeItem, ChargeRequest, Clock, HoldRequest, PaymentGateway
from domain.rules import (
    CHARGE_TO_PAYMENT,
    charge_expiry_minutes,
    decide_payment,
    derived_key,
    money,
    order_number,
    refund_amount,
)
from shared.logging import request_id_var
from shared.outbox import add_event

logger = logging.getLogger("transaction_service.ledger")

PAYMENT_STATUS_CHANGED = "payment.status_changed"
JOB_ISSUE = "booking.issue"
JOB_RELEASE = "booking.release"
JOB_REFUND = "payment.refund"


class Caller:
    """Who asks: an account (user or admin), or the system."""

    def __init__(self, account_id: str, is_admin: bool = False) -> None:
        self.account_id = account_id
        self.is_admin = is_admin


def _instant(value: Any) -> datetime | None:
    """An ISO-8601 instant from an event (UTC when it carries no offset); None if absent/garbage."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


class Ledger:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        bookings: BookingGateway,
        payments: PaymentGateway,
        clock: Clock,
        *,
        wake: Callable[[], None] = lambda: None,
    ) -> None:
        self._sessions = sessions
        self._bookings = bookings
        self._payments = payments
        self._clock = clock
        self._wake = wake  # tells the outbox and work-queue relays there is something new

    # --- small writers --------------------------------------------------------------------------

    async def _audit(
        self,
        s: AsyncSession,
        entity: str,
        entity_id: uuid.UUID,
        from_status: str | None,
        to_status: str,
        actor: str,
        reason: str | None = None,
    ) -> None:
        await s.execute(
            t.audit_log.insert().values(
                entity_type=entity,
                entity_id=entity_id,
                from_status=from_status,
                to_status=to_status,
                actor=actor[:100],
                request_id=request_id_var.get(),
                reason=reason,
                at=self._clock(),
            )
        )

    async def _move(
        self,
        s: AsyncSession,
        entity: str,
        row: RowMapping,
        target: str,
        actor: str,
        reason: str | None = None,
        **values: Any,
    ) -> None:
        """Moves one record to `target` (checked against its table) with an audit row."""
        check(entity, row["status"], target)
        table = {"order": t.orders, "transaction": t.transactions, "payment": t.payments}[entity]
        extra = {"updated_at": self._clock()} if "updated_at" in table.c else {}
        await s.execute(update(table).where(table.c.id == row["id"]).values(status=target, **extra, **values))
        await self._audit(s, entity, row["id"], row["status"], target, actor, reason)

    async def _job(self, s: AsyncSession, topic: str, payload: dict[str, Any]) -> None:
        await add_event(s, t.work_queue, topic, payload)

    async def _event(self, s: AsyncSession, topic: str, payload: dict[str, Any]) -> None:
        await add_event(s, t.outbox, topic, payload)

    # --- readers --------------------------------------------------------------------------------

    @staticmethod
    async def _one(s: AsyncSession, stmt: Any) -> RowMapping | None:
        return (await s.execute(stmt)).mappings().first()

    async def _locked_chain(
        self, s: AsyncSession, order_id: uuid.UUID
    ) -> tuple[RowMapping, RowMapping | None]:
        order = await self._one(s, select(t.orders).where(t.orders.c.id == order_id).with_for_update())
        if order is None:
            raise NotFound("order")
        tx = await self._one(
            s, select(t.transactions).where(t.transactions.c.order_id == order_id).with_for_update()
        )
        return order, tx

    @staticmethod
    def _owned(row: RowMapping | None, caller: Caller, what: str) -> RowMapping:
        if row is None or (not caller.is_admin and row["user_id"] != caller.account_id):
            raise NotFound(what)
        return row

    async def get_order(self, order_id: uuid.UUID, caller: Caller) -> dict[str, Any]:
        async with self._sessions() as s:
            order = self._owned(
                await self._one(s, select(t.orders).where(t.orders.c.id == order_id)), caller, "order"
            )
            tx = await self._one(s, select(t.transactions.c.id).where(t.transactions.c.order_id == order_id))
        return order_view(order, tx["id"] if tx else None)

    async def list_orders(
        self, caller: Caller, *, status: str | None, service_type: str | None, limit: int, offset: int
    ) -> tuple[list[dict[str, Any]], int]:
        conds = []
        if not caller.is_admin:
            conds.append(t.orders.c.user_id == caller.account_id)
        if status:
            conds.append(t.orders.c.status == status)
        if service_type:
            conds.append(t.orders.c.service_type == service_type)
        where = and_(True, *conds)
        async with self._sessions() as s:
            total = (await s.execute(select(func.count()).select_from(t.orders).where(where))).scalar_one()
            rows = (
                (
                    await s.execute(
                        select(t.orders, t.transactions.c.id.label("transaction_id"))
                        .select_from(t.orders.outerjoin(t.transactions))
                        .where(where)
                        .order_by(t.orders.c.created_at.desc(), t.orders.c.id)
                        .limit(limit)
                        .offset(offset)
                    )
                )
                .mappings()
                .all()
            )
        return [order_view(r, r["transaction_id"]) for r in rows], total

    async def get_transaction(self, tx_id: uuid.UUID, caller: Caller) -> dict[str, Any]:
        async with self._sessions() as s:
            tx = self._owned(
                await self._one(s, select(t.transactions).where(t.transactions.c.id == tx_id)),
                caller,
                "transaction",
            )
            payments = (
                (
                    await s.execute(
                        select(t.payments.c.id)
                        .where(t.payments.c.transaction_id == tx_id)
                        .order_by(t.payments.c.created_at)
                    )
                )
                .scalars()
                .all()
            )
        return transaction_view(tx, list(payments))

    async def list_transactions(
        self,
        caller: Caller,
        *,
        status: str | None,
        type_: str | None,
        created_from: datetime | None,
        created_before: datetime | None,
        limit: int,
        offset: int,
    ) -> tuple[list[dict[str, Any]], int]:
        c = t.transactions.c
        conds = []
        if not caller.is_admin:
            conds.append(c.user_id == caller.account_id)
        if status:
            conds.append(c.status == status)
        if type_:
            conds.append(c.transaction_type == type_)
        if created_from:
            conds.append(c.created_at >= created_from)
        if created_before:
            conds.append(c.created_at < created_before)
        where = and_(True, *conds)
        async with self._sessions() as s:
            total = (
                await s.execute(select(func.count()).select_from(t.transactions).where(where))
            ).scalar_one()
            rows = (
                (
                    await s.execute(
                        select(t.transactions)
                        .where(where)
                        .order_by(c.created_at.desc(), c.id)
                        .limit(limit)
                        .offset(offset)
                    )
                )
                .mappings()
                .all()
            )
        return [transaction_view(r, None) for r in rows], total

    async def get_payment(self, payment_id: uuid.UUID, caller: Caller) -> dict[str, Any]:
        async with self._sessions() as s:
            row = await self._one(
                s,
                select(t.payments, t.transactions.c.user_id)
                .join(t.transactions)
                .where(t.payments.c.id == payment_id),
            )
            row = self._owned(row, caller, "payment")
        return payment_view(row)

    async def audit_trail(self, tx_id: uuid.UUID) -> list[dict[str, Any]]:
        async with self._sessions() as s:
            tx = await self._one(s, select(t.transactions).where(t.transactions.c.id == tx_id))
            if tx is None:
                raise NotFound("transaction")
            payment_ids = select(t.payments.c.id).where(t.payments.c.transaction_id == tx_id)
            refund_ids = select(t.refunds.c.id).where(t.refunds.c.transaction_id == tx_id)
            a = t.audit_log.c
            rows = (
                (
                    await s.execute(
                        select(t.audit_log)
                        .where(
                            or_(
                                and_(a.entity_type == "transaction", a.entity_id == tx_id),
                                and_(a.entity_type == "order", a.entity_id == tx["order_id"]),
                                and_(a.entity_type == "payment", a.entity_id.in_(payment_ids)),
                                and_(a.entity_type == "refund", a.entity_id.in_(refund_ids)),
                            )
                        )
                        .order_by(a.id)
                    )
                )
                .mappings()
                .all()
            )
        return [
            {
                "entity_type": r["entity_type"],
                "entity_id": str(r["entity_id"]),
                "from_status": r["from_status"],
                "to_status": r["to_status"],
                "actor": r["actor"],
                "request_id": r["request_id"],
                "reason": r["reason"],
                "at": _iso(r["at"]),
            }
            for r in rows
        ]

    # --- orders ---------------------------------------------------------------------------------

    async def create_order(
        self,
        caller: Caller,
        client_key: str,
        service_type: str,
        offer_id: str,
        passengers: list[dict[str, Any]],
        contact: dict[str, Any],
    ) -> dict[str, Any]:
        if not self._bookings.supports(service_type):
            raise ServiceTypeUnavailable(service_type)
        hold_key = "order-" + derived_key(caller.account_id, client_key)[:64]
        booking = await self._bookings.hold(
            service_type, hold_key, HoldRequest(offer_id, passengers, contact)
        )
        now = self._clock()
        order_id, tx_id = uuid.uuid4(), uuid.uuid4()
        quantity = max(1, len(booking.passengers) or len(passengers))
        total = money(booking.total_price)
        details = {
            "passengers": booking.passengers or passengers,
            "contact": booking.contact or contact,
            "supplier": booking.supplier,
            "supplier_reference": booking.supplier_reference,
            "booking_status": booking.status,
            "tickets": booking.tickets,
        }
        actor = caller.account_id
        try:
            async with self._sessions() as s, s.begin():
                await s.execute(
                    t.orders.insert().values(
                        id=order_id,
                        user_id=caller.account_id,
                        order_number=order_number(now),
                        service_type=service_type,
                        service_id=offer_id,
                        quantity=quantity,
                        unit_price=money(total / quantity),
                        total_amount=total,
                        currency=booking.currency,
                        status=OrderStatus.CONFIRMED,
                        booking_details=details,
                        booking_reference=booking.reference,
                        hold_expires_at=booking.hold_expires_at,
                        created_at=now,
                        updated_at=now,
                    )
                )
                await s.execute(
                    t.transactions.insert().values(
                        id=tx_id,
                        user_id=caller.account_id,
                        order_id=order_id,
                        transaction_type=service_type,
                        amount=total,
                        currency=booking.currency,
                        status=TransactionStatus.PENDING,
                        metadata={},
                        created_at=now,
                        updated_at=now,
                    )
                )
                await self._audit(s, "order", order_id, None, OrderStatus.CONFIRMED, actor, "booking held")
                await self._audit(s, "transaction", tx_id, None, TransactionStatus.PENDING, actor)
                await self._event(
                    s,
                    "transaction.created",
                    {
                        "transaction_id": str(tx_id),
                        "order_id": str(order_id),
                        "user_id": caller.account_id,
                        "service_type": service_type,
                        "amount": str(total),
                        "currency": booking.currency,
                        "booking_reference": booking.reference,
                    },
                )
                order = await self._one(s, select(t.orders).where(t.orders.c.id == order_id))
        except Exception:
            logger.exception("order not recorded; releasing the hold %s", booking.reference)
            try:
                await self._bookings.cancel(service_type, booking.reference)
            except Exception:
                logger.exception("could not release hold %s", booking.reference)
            raise
        self._wake()
        assert order is not None
        return order_view(order, tx_id)

    async def set_order_status(
        self, order_id: uuid.UUID, target: str, reason: str, caller: Caller
    ) -> dict[str, Any]:
        if target == OrderStatus.CANCELLED:
            async with self._sessions() as s:
                current = await self._one(s, select(t.orders.c.status).where(t.orders.c.id == order_id))
            if current is None:
                raise NotFound("order")
            if current["status"] in (OrderStatus.DRAFT, OrderStatus.CONFIRMED):
                # Unpaid: stop the charge, end the transaction, release the hold — as a cancel.
                await self._end_unpaid(order_id, TransactionStatus.CANCELLED, reason, caller.account_id)
                return await self.get_order(order_id, caller)
            if current["status"] in (OrderStatus.PAID, OrderStatus.COMPLETED):
                raise RefundRequired()
        async with self._sessions() as s, s.begin():
            order, tx = await self._locked_chain(s, order_id)
            await self._move(s, "order", order, target, caller.account_id, reason)
            updated = await self._one(s, select(t.orders).where(t.orders.c.id == order_id))
        assert updated is not None
        return order_view(updated, tx["id"] if tx else None)

    # --- transactions ---------------------------------------------------------------------------

    async def create_transaction(self, caller: Caller, order_id: uuid.UUID) -> dict[str, Any]:
        async with self._sessions() as s, s.begin():
            order = await self._one(s, select(t.orders).where(t.orders.c.id == order_id).with_for_update())
            order = self._owned(order, caller, "order")
            tx = await self._one(s, select(t.transactions).where(t.transactions.c.order_id == order_id))
            if tx is not None:
                raise TransactionExists(str(tx["id"]))
            if order["status"] not in (OrderStatus.DRAFT, OrderStatus.CONFIRMED):
                raise NotPayable(order["status"])
            tx_id, now = uuid.uuid4(), self._clock()
            await s.execute(
                t.transactions.insert().values(
                    id=tx_id,
                    user_id=order["user_id"],
                    order_id=order_id,
                    transaction_type=order["service_type"],
                    amount=order["total_amount"],
                    currency=order["currency"],
                    status=TransactionStatus.PENDING,
                    metadata={},
                    created_at=now,
                    updated_at=now,
                )
            )
            await self._audit(s, "transaction", tx_id, None, TransactionStatus.PENDING, caller.account_id)
            tx = await self._one(s, select(t.transactions).where(t.transactions.c.id == tx_id))
        assert tx is not None
        return transaction_view(tx, [])

    async def update_transaction(
        self, tx_id: uuid.UUID, caller: Caller, payment_method: str | None, notes: str | None
    ) -> dict[str, Any]:
        async with self._sessions() as s, s.begin():
            tx = await self._one(
                s, select(t.transactions).where(t.transactions.c.id == tx_id).with_for_update()
            )
            tx = self._owned(tx, caller, "transaction")
            if tx["status"] != TransactionStatus.PENDING:
                raise NotEditable(tx["status"])
            values: dict[str, Any] = {"updated_at": self._clock()}
            if payment_method is not None:
                values["payment_method"] = payment_method
            if notes is not None:
                values["metadata"] = {**(tx["metadata"] or {}), "notes": notes}
            await s.execute(update(t.transactions).where(t.transactions.c.id == tx_id).values(**values))
            tx = await self._one(s, select(t.transactions).where(t.transactions.c.id == tx_id))
        assert tx is not None
        return transaction_view(tx, None)

    async def cancel_transaction(
        self, tx_id: uuid.UUID, caller: Caller, reason: str | None
    ) -> dict[str, Any]:
        async with self._sessions() as s:
            tx = self._owned(
                await self._one(s, select(t.transactions).where(t.transactions.c.id == tx_id)),
                caller,
                "transaction",
            )
        if tx["status"] not in PAYABLE_TRANSACTION:
            raise InvalidTransition("transaction", tx["status"], TransactionStatus.CANCELLED)
        await self._end_unpaid(
            tx["order_id"],
            TransactionStatus.CANCELLED,
            reason or ("cancelled by an admin" if caller.is_admin else "cancelled by the customer"),
            caller.account_id,
        )
        return await self.get_transaction(tx_id, Caller("system", True))

    async def _end_unpaid(
        self, order_id: uuid.UUID, target: TransactionStatus, reason: str, actor: str
    ) -> bool:
        """Cancels any open charge, then ends the order (CANCELLED) and its transaction (`target`)
        and queues the hold's release. Raises ChargePaid when a charge turns out to be paid (the
        paid event settles it). False when the order was no longer open."""
        async with self._sessions() as s:
            tx = await self._one(s, select(t.transactions).where(t.transactions.c.order_id == order_id))
            open_ids: Sequence[uuid.UUID] = []
            if tx is not None:
                open_ids = (
                    (
                        await s.execute(
                            select(t.payments.c.id).where(
                                t.payments.c.transaction_id == tx["id"],
                                t.payments.c.status.in_([str(p) for p in OPEN_PAYMENT]),
                            )
                        )
                    )
                    .scalars()
                    .all()
                )
        outcomes: dict[uuid.UUID, PaymentStatus] = {}
        for payment_id in open_ids:
            try:
                charge = await self._payments.cancel(str(payment_id))
                status = CHARGE_TO_PAYMENT.get(charge.status, PaymentStatus.CANCELLED)
                if status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED):
                    raise ChargePaid()
                outcomes[payment_id] = (
                    status
                    if status in (PaymentStatus.EXPIRED, PaymentStatus.CANCELLED)
                    else PaymentStatus.CANCELLED
                )
            except UpstreamProblem as exc:
                if exc.status == 404:  # never reached the gateway: nothing to stop
                    outcomes[payment_id] = PaymentStatus.CANCELLED
                else:
                    raise
        async with self._sessions() as s, s.begin():
            order, tx = await self._locked_chain(s, order_id)
            if tx is not None and tx["status"] not in PAYABLE_TRANSACTION:
                if actor.startswith("system:"):
                    return False
                raise InvalidTransition("transaction", tx["status"], target)
            if order["status"] != OrderStatus.CONFIRMED and order["status"] != OrderStatus.DRAFT:
                if actor.startswith("system:"):
                    return False
                raise InvalidTransition("order", order["status"], OrderStatus.CANCELLED)
            if tx is not None:
                still_open = (
                    (
                        await s.execute(
                            select(t.payments.c.id).where(
                                t.payments.c.transaction_id == tx["id"],
                                t.payments.c.status.in_([str(p) for p in OPEN_PAYMENT]),
                            )
                        )
                    )
                    .scalars()
                    .all()
                )
                if any(p not in outcomes for p in still_open):
                    # A payment started meanwhile: its charge was not stopped, so do not end yet.
                    if actor.startswith("system:"):
                        return False
                    raise RequestInProgress()
                for payment_id, status in outcomes.items():
                    pay = await self._one(
                        s, select(t.payments).where(t.payments.c.id == payment_id).with_for_update()
                    )
                    if pay is not None and can_move("payment", pay["status"], status):
                        await self._move(s, "payment", pay, status, actor, reason)
                await self._move(s, "transaction", tx, target, actor, reason)
            await self._move(s, "order", order, OrderStatus.CANCELLED, actor, reason, failure_reason=reason)
            await self._job(s, JOB_RELEASE, {"order_id": str(order_id)})
            await self._event(
                s,
                "transaction.failed",
                {
                    "transaction_id": str(tx["id"]) if tx else None,
                    "order_id": str(order_id),
                    "user_id": order["user_id"],
                    "status": str(target),
                    "reason": reason,
                },
            )
        self._wake()
        return True

    async def expire_holds(self, limit: int = 100) -> int:
        """The sweeper's pass: CONFIRMED orders whose hold expired end as CANCELLED/FAILED."""
        async with self._sessions() as s:
            ids = (
                (
                    await s.execute(
                        select(t.orders.c.id)
                        .where(
                            t.orders.c.status == OrderStatus.CONFIRMED,
                            t.orders.c.hold_expires_at <= self._clock(),
                        )
                        .order_by(t.orders.c.hold_expires_at)
                        .limit(limit)
                    )
                )
                .scalars()
                .all()
            )
        ended = 0
        for order_id in ids:
            try:
                if await self._end_unpaid(
                    order_id, TransactionStatus.FAILED, "hold expired", "system:hold-expiry"
                ):
                    ended += 1
            except ChargePaid:
                logger.info("order %s: paid at the last second; the paid event settles it", order_id)
            except UpstreamProblem as exc:
                logger.warning("order %s: cannot stop its charge now (%s); next pass", order_id, exc.slug)
        return ended

    # --- payments -------------------------------------------------------------------------------

    async def create_payment(self, caller: Caller, tx_id: uuid.UUID) -> dict[str, Any]:
        now = self._clock()
        async with self._sessions() as s, s.begin():
            tx0 = await self._one(s, select(t.transactions).where(t.transactions.c.id == tx_id))
            tx0 = self._owned(tx0, caller, "transaction")
            order, tx = await self._locked_chain(s, tx0["order_id"])
            assert tx is not None
            if tx["status"] not in PAYABLE_TRANSACTION or order["status"] != OrderStatus.CONFIRMED:
                raise NotPayable(tx["status"] if tx["status"] not in PAYABLE_TRANSACTION else order["status"])
            if order["hold_expires_at"] is not None and order["hold_expires_at"] <= now:
                raise HoldExpired()
            existing = await self._one(
                s,
                select(t.payments)
                .where(
                    t.payments.c.transaction_id == tx_id,
                    t.payments.c.status.in_([str(p) for p in OPEN_PAYMENT]),
                )
                .order_by(t.payments.c.created_at.desc())
                .limit(1)
                .with_for_update(),
            )
            if (
                existing is not None
                and existing["token"]
                and (existing["expires_at"] is None or existing["expires_at"] > now)
            ):
                return payment_view(existing)
            if existing is not None and not existing["token"]:
                payment_id = existing["id"]
            else:
                payment_id = uuid.uuid4()
                await s.execute(
                    t.payments.insert().values(
                        id=payment_id,
                        transaction_id=tx_id,
                        amount=tx["amount"],
                        currency=tx["currency"],
                        status=PaymentStatus.PENDING,
                        gateway="midtrans",
                        created_at=now,
                        updated_at=now,
                    )
                )
                await self._audit(s, "payment", payment_id, None, PaymentStatus.PENDING, caller.account_id)
            details = order["booking_details"] or {}
            contact = details.get("contact") or {}
            first = (details.get("passengers") or [{}])[0]
            request = ChargeRequest(
                order_id=str(payment_id),
                gross_amount=money(tx["amount"]),
                currency=tx["currency"],
                items=[
                    ChargeItem(
                        id=order["service_type"],
                        name=f"TiketQ {order['service_type']} {order['order_number']}"[:50],
                        price=money(tx["amount"]),
                        quantity=1,
                    )
                ],
                customer={
                    "first_name": str(first.get("first_name") or "TiketQ"),
                    "last_name": str(first.get("last_name") or "Customer"),
                    "email": str(contact.get("email") or ""),
                    "phone": str(contact.get("phone") or ""),
                },
                expiry_minutes=charge_expiry_minutes(order["hold_expires_at"], now),
            )
        try:
            charge = await self._payments.create_charge(f"payment-{payment_id}", request)
        except UpstreamProblem as exc:
            if exc.is_permanent or exc.status == 502:
                async with self._sessions() as s, s.begin():
                    pay = await self._one(
                        s, select(t.payments).where(t.payments.c.id == payment_id).with_for_update()
                    )
                    if pay is not None and can_move("payment", pay["status"], PaymentStatus.FAILED):
                        await self._move(
                            s,
                            "payment",
                            pay,
                            PaymentStatus.FAILED,
                            caller.account_id,
                            f"charge refused: {exc.slug}",
                        )
            raise
        async with self._sessions() as s, s.begin():
            order, tx = await self._locked_chain(s, tx0["order_id"])
            assert tx is not None
            await s.execute(
                update(t.payments)
                .where(t.payments.c.id == payment_id)
                .values(
                    token=charge.token,
                    redirect_url=charge.redirect_url,
                    expires_at=charge.expires_at,
                    gateway_response=charge.raw,
                    updated_at=self._clock(),
                )
            )
            if tx["status"] == TransactionStatus.PENDING:
                await self._move(s, "transaction", tx, TransactionStatus.PROCESSING, caller.account_id)
            pay = await self._one(s, select(t.payments).where(t.payments.c.id == payment_id))
        assert pay is not None
        return payment_view(pay)

    async def confirm_payment(self, payment_id: uuid.UUID, caller: Caller) -> dict[str, Any]:
        async with self._sessions() as s:
            if await self._one(s, select(t.payments.c.id).where(t.payments.c.id == payment_id)) is None:
                raise NotFound("payment")
        await self._sync(payment_id, caller.account_id)
        return await self.get_payment(payment_id, caller)

    async def _sync(self, payment_id: uuid.UUID, actor: str) -> str:
        """Asks the gateway (payment-service /sync) and applies its answer as an event would be."""
        charge = await self._payments.sync(str(payment_id))
        data = {
            "order_id": charge.order_id,
            "status": charge.status,
            "transaction_status": charge.transaction_status,
            "payment_type": charge.payment_type,
            "gross_amount": str(charge.gross_amount),
            "currency": charge.currency,
            "gateway_transaction_id": charge.gateway_transaction_id,
            "refunded_amount": str(charge.refunded_amount),
            "settlement_time": charge.raw.get("settlement_time"),
        }
        async with self._sessions() as s, s.begin():
            outcome = await self._apply_charge(s, payment_id, data, actor)
        self._wake()
        return outcome

    async def sync_overdue_payments(self, grace_seconds: float = 120.0, limit: int = 50) -> int:
        """The sweeper's second pass: open payments whose charge expired more than `grace_seconds`
        ago with no event yet are checked at the gateway, so a lost notification cannot leave
        an order waiting. Returns how many changed."""
        cutoff = self._clock() - timedelta(seconds=grace_seconds)
        async with self._sessions() as s:
            ids = (
                (
                    await s.execute(
                        select(t.payments.c.id)
                        .where(
                            t.payments.c.status.in_([str(p) for p in OPEN_PAYMENT]),
                            t.payments.c.expires_at < cutoff,
                        )
                        .order_by(t.payments.c.expires_at)
                        .limit(limit)
                    )
                )
                .scalars()
                .all()
            )
        changed = 0
        for payment_id in ids:
            try:
                if await self._sync(payment_id, "system:payment-expiry") == "applied":
                    changed += 1
            except UpstreamProblem as exc:
                logger.warning("payment %s: cannot check it now (%s); next pass", payment_id, exc.slug)
        return changed

    async def handle_payment_event(self, event_id: uuid.UUID, topic: str, data: dict[str, Any]) -> str:
        """A signed event from payment-service: applied once (by event_id), in one transaction.
        Returns the outcome: applied | duplicate | stale | ignored."""
        async with self._sessions() as s, s.begin():
            recorded = (
                await s.execute(
                    pg_insert(t.processed_events)
                    .values(event_id=event_id, topic=topic[:100])
                    .on_conflict_do_nothing(index_elements=[t.processed_events.c.event_id])
                    .returning(t.processed_events.c.event_id)
                )
            ).scalar_one_or_none()
            if recorded is None:
                return "duplicate"
            if topic != PAYMENT_STATUS_CHANGED:
                logger.info("event %s: topic %s is not ours", event_id, topic)
                return "ignored"
            try:
                payment_id = uuid.UUID(str(data.get("order_id")))
            except ValueError:
                logger.warning(
                    "event %s: order_id %r is not a payment of ours", event_id, data.get("order_id")
                )
                return "ignored"
            outcome = await self._apply_charge(s, payment_id, data, f"event:{event_id}")
        if outcome == "applied":
            self._wake()
        return outcome

    async def _apply_charge(
        self, s: AsyncSession, payment_id: uuid.UUID, data: dict[str, Any], actor: str
    ) -> str:
        ref = await self._one(
            s,
            select(t.payments.c.id, t.transactions.c.order_id)
            .join(t.transactions)
            .where(t.payments.c.id == payment_id),
        )
        if ref is None:
            logger.warning("payment %s is unknown; event ignored", payment_id)
            return "ignored"
        order, tx = await self._locked_chain(s, ref["order_id"])
        assert tx is not None
        pay = await self._one(s, select(t.payments).where(t.payments.c.id == payment_id).with_for_update())
        assert pay is not None
        try:
            gross = money(str(data.get("gross_amount")))
        except ArithmeticError:
            gross = None
        if gross != money(pay["amount"]):
            logger.error("payment %s: amount %s does not match %s; ignored", payment_id, gross, pay["amount"])
            return "ignored"
        status = str(data.get("status") or "failed")
        try:
            refunded_at_gateway = money(str(data.get("refunded_amount") or "0"))
        except ArithmeticError:
            refunded_at_gateway = Decimal(0)
        others_open = (
            await s.execute(
                select(func.count())
                .select_from(t.payments)
                .where(
                    t.payments.c.transaction_id == tx["id"],
                    t.payments.c.id != payment_id,
                    t.payments.c.status.in_([str(p) for p in OPEN_PAYMENT]),
                    or_(t.payments.c.expires_at.is_(None), t.payments.c.expires_at > self._clock()),
                )
            )
        ).scalar_one()
        decision = decide_payment(
            status,
            PaymentStatus(pay["status"]),
            TransactionStatus(tx["status"]),
            OrderStatus(order["status"]),
            refunded_at_gateway=refunded_at_gateway,
            refunded_here=money(pay["refunded_amount"]),
            another_payment_open=others_open > 0,
        )
        if not decision.changes_anything:
            logger.info(
                "payment %s: %s while payment %s / transaction %s / order %s changes nothing",
                payment_id,
                status,
                pay["status"],
                tx["status"],
                order["status"],
            )
            return "stale"
        now = self._clock()
        payment_type = data.get("payment_type")
        gateway_tx = data.get("gateway_transaction_id")
        paid_at = _instant(data.get("settlement_time")) or now
        if decision.payment is not None:
            values: dict[str, Any] = {"gateway_response": data}
            if decision.payment is PaymentStatus.PAID:
                values.update(paid_at=paid_at, payment_method=payment_type, gateway_transaction_id=gateway_tx)
            await self._move(s, "payment", pay, decision.payment, actor, decision.reason, **values)
        if decision.transaction is not None:
            tx_values: dict[str, Any] = {}
            if decision.transaction is TransactionStatus.COMPLETED:
                tx_values = {
                    "payment_method": payment_type,
                    "payment_gateway": "midtrans",
                    "gateway_transaction_id": gateway_tx,
                    "completed_at": paid_at,
                }
            await self._move(s, "transaction", tx, decision.transaction, actor, decision.reason, **tx_values)
        if decision.order is not None:
            order_values: dict[str, Any] = {}
            if decision.order is OrderStatus.CANCELLED:
                order_values["failure_reason"] = decision.reason
            await self._move(s, "order", order, decision.order, actor, decision.reason, **order_values)
        if decision.issue_booking:
            await self._job(s, JOB_ISSUE, {"order_id": str(order["id"])})
            await self._event(
                s,
                "payment.confirmed",
                {
                    "transaction_id": str(tx["id"]),
                    "order_id": str(order["id"]),
                    "payment_id": str(payment_id),
                    "user_id": tx["user_id"],
                    "amount": str(pay["amount"]),
                    "currency": pay["currency"],
                    "payment_method": payment_type,
                },
            )
        if decision.release_booking:
            await self._job(s, JOB_RELEASE, {"order_id": str(order["id"])})
            await self._event(
                s,
                "transaction.failed",
                {
                    "transaction_id": str(tx["id"]),
                    "order_id": str(order["id"]),
                    "user_id": tx["user_id"],
                    "status": str(decision.transaction or tx["status"]),
                    "reason": decision.reason,
                },
            )
        if decision.refund_late_payment:
            # Paid twice (the transaction was settled by another payment): the refund returns
            # the extra money and leaves the transaction and order as they are.
            settles = tx["status"] not in (TransactionStatus.COMPLETED, TransactionStatus.REFUNDED)
            if settles:
                await s.execute(
                    update(t.transactions)
                    .where(t.transactions.c.id == tx["id"])
                    .values(
                        payment_method=tx["payment_method"] or payment_type,
                        payment_gateway="midtrans",
                        gateway_transaction_id=tx["gateway_transaction_id"] or gateway_tx,
                        completed_at=tx["completed_at"] or paid_at,
                        updated_at=now,
                    )
                )
                await s.execute(
                    update(t.orders)
                    .where(t.orders.c.id == order["id"])
                    .values(failure_reason=decision.reason, updated_at=now)
                )
            await self._job(
                s,
                JOB_REFUND,
                {
                    "payment_id": str(payment_id),
                    "amount": None,
                    "reason": decision.reason,
                    "refund_key": f"auto-{payment_id}",
                    "settles_transaction": settles,
                },
            )
        if decision.reconcile_refunds:
            await self._reconcile_refunds(s, order, tx, pay, refunded_at_gateway, actor)
        return "applied"

    async def _reconcile_refunds(
        self,
        s: AsyncSession,
        order: RowMapping,
        tx: RowMapping,
        pay: RowMapping,
        refunded_at_gateway: Decimal,
        actor: str,
    ) -> None:
        """A refund made at the gateway directly (not through us): bring our amounts in line."""
        delta = min(refunded_at_gateway, money(pay["amount"])) - money(pay["refunded_amount"])
        if delta <= 0:
            return
        pay_refunded = money(pay["refunded_amount"]) + delta
        full_payment = pay_refunded >= money(pay["amount"])
        await self._move(
            s,
            "payment",
            pay,
            PaymentStatus.REFUNDED if full_payment else PaymentStatus.PARTIALLY_REFUNDED,
            actor,
            "refunded at the gateway",
            refunded_amount=pay_refunded,
        )
        await self._apply_refund_to_transaction(s, order, tx, delta, actor, "refunded at the gateway")

    async def _apply_refund_to_transaction(
        self, s: AsyncSession, order: RowMapping, tx: RowMapping, amount: Decimal, actor: str, reason: str
    ) -> bool:
        tx_refunded = min(money(tx["amount"]), money(tx["refunded_amount"]) + amount)
        full = tx_refunded >= money(tx["amount"])
        await s.execute(
            update(t.transactions)
            .where(t.transactions.c.id == tx["id"])
            .values(refunded_amount=tx_refunded, updated_at=self._clock())
        )
        if full and can_move("transaction", tx["status"], TransactionStatus.REFUNDED):
            await self._move(s, "transaction", tx, TransactionStatus.REFUNDED, actor, reason)
        if full and can_move("order", order["status"], OrderStatus.CANCELLED):
            await self._move(
                s,
                "order",
                order,
                OrderStatus.CANCELLED,
                actor,
                reason,
                failure_reason=order["failure_reason"] or reason,
            )
            if order["status"] in (OrderStatus.CONFIRMED, OrderStatus.PAID):
                # Never issued: the hold is still at the booking service.
                await self._job(s, JOB_RELEASE, {"order_id": str(order["id"])})
        return full

    # --- refunds --------------------------------------------------------------------------------

    async def refund_transaction(
        self, tx_id: uuid.UUID, amount: Decimal | None, reason: str, client_key: str, caller: Caller
    ) -> dict[str, Any]:
        async with self._sessions() as s:
            tx = await self._one(s, select(t.transactions).where(t.transactions.c.id == tx_id))
            if tx is None:
                raise NotFound("transaction")
            pay = await self._one(
                s,
                select(t.payments.c.id)
                .where(
                    t.payments.c.transaction_id == tx_id,
                    t.payments.c.status.in_([PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED]),
                )
                .order_by(t.payments.c.paid_at.desc())
                .limit(1),
            )
        if pay is None or tx["status"] != TransactionStatus.COMPLETED:
            raise NotRefundable(tx["status"])
        return await self.refund_payment(pay["id"], amount, reason, client_key, caller)

    async def refund_payment(
        self, payment_id: uuid.UUID, amount: Decimal | None, reason: str, client_key: str, caller: Caller
    ) -> dict[str, Any]:
        refund_key = "rf-" + derived_key(str(payment_id), client_key)[:40]
        return await self._refund(
            payment_id, amount, reason, refund_key, caller.account_id, caller.account_id
        )

    async def _refund(
        self,
        payment_id: uuid.UUID,
        requested: Decimal | None,
        reason: str,
        refund_key: str,
        processed_by: str,
        actor: str,
        settles_transaction: bool = True,
    ) -> dict[str, Any]:
        """Refunds through payment-service: a PENDING refund row first (its unique refund_key is
        also the gateway's, so a retry never refunds twice), the gateway call, then the outcome."""
        async with self._sessions() as s, s.begin():
            ref = await self._one(
                s,
                select(t.payments.c.id, t.transactions.c.order_id)
                .join(t.transactions)
                .where(t.payments.c.id == payment_id),
            )
            if ref is None:
                raise NotFound("payment")
            order, tx = await self._locked_chain(s, ref["order_id"])
            assert tx is not None
            pay = await self._one(
                s, select(t.payments).where(t.payments.c.id == payment_id).with_for_update()
            )
            assert pay is not None
            refund = await self._one(s, select(t.refunds).where(t.refunds.c.refund_key == refund_key))
            if refund is None:
                if pay["status"] not in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED):
                    raise NotRefundable(pay["status"])
                pending = (
                    await s.execute(
                        select(func.coalesce(func.sum(t.refunds.c.amount), 0)).where(
                            t.refunds.c.payment_id == payment_id, t.refunds.c.status == RefundStatus.PENDING
                        )
                    )
                ).scalar_one()
                amount = refund_amount(
                    requested, money(pay["amount"]), money(pay["refunded_amount"]) + pending
                )
                refund_id = uuid.uuid4()
                await s.execute(
                    t.refunds.insert().values(
                        id=refund_id,
                        transaction_id=tx["id"],
                        payment_id=payment_id,
                        amount=amount,
                        reason=reason[:255],
                        status=RefundStatus.PENDING,
                        refund_key=refund_key,
                        processed_by=processed_by[:64],
                        created_at=self._clock(),
                    )
                )
                await self._audit(s, "refund", refund_id, None, RefundStatus.PENDING, actor, reason)
                refund = await self._one(s, select(t.refunds).where(t.refunds.c.id == refund_id))
                assert refund is not None
        if refund["status"] != RefundStatus.PENDING:
            return refund_view(refund)
        try:
            await self._payments.refund(str(payment_id), refund_key, money(refund["amount"]), reason)
        except UpstreamProblem as exc:
            if exc.is_permanent:
                async with self._sessions() as s, s.begin():
                    await s.execute(
                        update(t.refunds)
                        .where(t.refunds.c.id == refund["id"], t.refunds.c.status == RefundStatus.PENDING)
                        .values(status=RefundStatus.FAILED, processed_at=self._clock())
                    )
                    await self._audit(
                        s, "refund", refund["id"], RefundStatus.PENDING, RefundStatus.FAILED, actor, exc.slug
                    )
            raise
        async with self._sessions() as s, s.begin():
            order, tx = await self._locked_chain(s, order["id"])
            assert tx is not None
            pay = await self._one(
                s, select(t.payments).where(t.payments.c.id == payment_id).with_for_update()
            )
            current = await self._one(
                s, select(t.refunds).where(t.refunds.c.id == refund["id"]).with_for_update()
            )
            assert pay is not None
            assert current is not None
            if current["status"] == RefundStatus.PENDING:
                amount = money(current["amount"])
                await s.execute(
                    update(t.refunds)
                    .where(t.refunds.c.id == current["id"])
                    .values(status=RefundStatus.SUCCEEDED, processed_at=self._clock())
                )
                await self._audit(
                    s, "refund", current["id"], RefundStatus.PENDING, RefundStatus.SUCCEEDED, actor, reason
                )
                pay_refunded = min(money(pay["amount"]), money(pay["refunded_amount"]) + amount)
                target = (
                    PaymentStatus.REFUNDED
                    if pay_refunded >= money(pay["amount"])
                    else PaymentStatus.PARTIALLY_REFUNDED
                )
                if can_move("payment", pay["status"], target):
                    await self._move(s, "payment", pay, target, actor, reason, refunded_amount=pay_refunded)
                else:
                    await s.execute(
                        update(t.payments)
                        .where(t.payments.c.id == payment_id)
                        .values(refunded_amount=pay_refunded, updated_at=self._clock())
                    )
                if settles_transaction:
                    await self._apply_refund_to_transaction(s, order, tx, amount, actor, reason)
                await self._event(
                    s,
                    "refund.processed",
                    {
                        "refund_id": str(current["id"]),
                        "transaction_id": str(tx["id"]),
                        "order_id": str(order["id"]),
                        "payment_id": str(payment_id),
                        "user_id": tx["user_id"],
                        "amount": str(amount),
                        "currency": pay["currency"],
                        "reason": reason,
                    },
                )
            current = await self._one(s, select(t.refunds).where(t.refunds.c.id == refund["id"]))
        self._wake()
        assert current is not None
        return refund_view(current)

    # --- work-queue jobs ------------------------------------------------------------------------

    async def run_job(self, topic: str, payload: dict[str, Any]) -> None:
        """One work-queue job. Returns when done (or done for good); raises to be retried later."""
        if topic == JOB_ISSUE:
            await self._issue(uuid.UUID(payload["order_id"]))
        elif topic == JOB_RELEASE:
            await self._release(uuid.UUID(payload["order_id"]))
        elif topic == JOB_REFUND:
            amount = payload.get("amount")
            try:
                await self._refund(
                    uuid.UUID(payload["payment_id"]),
                    Decimal(amount) if amount is not None else None,
                    str(payload.get("reason") or "automatic refund"),
                    str(payload["refund_key"]),
                    "system",
                    f"system:{JOB_REFUND}",
                    settles_transaction=bool(payload.get("settles_transaction", True)),
                )
            except UpstreamProblem as exc:
                if exc.is_transient:
                    raise
                logger.error("automatic refund %s refused for good: %s", payload.get("refund_key"), exc.slug)
            except (NotRefundable, NotFound) as exc:
                logger.error("automatic refund %s impossible: %s", payload.get("refund_key"), exc)
        else:
            logger.error("unknown job %s dropped", topic)

    async def _issue(self, order_id: uuid.UUID) -> None:
        actor = f"system:{JOB_ISSUE}"
        async with self._sessions() as s:
            order = await self._one(s, select(t.orders).where(t.orders.c.id == order_id))
        if order is None or order["status"] != OrderStatus.PAID:
            return
        try:
            booking = await self._bookings.issue(order["service_type"], order["booking_reference"])
        except UpstreamProblem as exc:
            if exc.is_transient:
                raise
            reason = f"ticket could not be issued ({exc.slug}); refunded in full"
            async with self._sessions() as s, s.begin():
                order, tx = await self._locked_chain(s, order_id)
                if order["status"] != OrderStatus.PAID or tx is None:
                    return
                pay = await self._one(
                    s,
                    select(t.payments.c.id)
                    .where(t.payments.c.transaction_id == tx["id"], t.payments.c.status == PaymentStatus.PAID)
                    .limit(1),
                )
                await s.execute(
                    update(t.orders)
                    .where(t.orders.c.id == order_id)
                    .values(failure_reason=reason, updated_at=self._clock())
                )
                await self._audit(s, "order", order_id, order["status"], order["status"], actor, reason)
                if pay is not None:
                    await self._job(
                        s,
                        JOB_REFUND,
                        {
                            "payment_id": str(pay["id"]),
                            "amount": None,
                            "reason": reason,
                            "refund_key": f"auto-{pay['id']}",
                        },
                    )
            self._wake()
            return
        async with self._sessions() as s, s.begin():
            order, _tx = await self._locked_chain(s, order_id)
            if order["status"] != OrderStatus.PAID:
                return
            details = {
                **(order["booking_details"] or {}),
                "tickets": booking.tickets,
                "booking_status": booking.status,
            }
            await self._move(
                s, "order", order, OrderStatus.COMPLETED, actor, "tickets issued", booking_details=details
            )

    async def _release(self, order_id: uuid.UUID) -> None:
        async with self._sessions() as s:
            order = await self._one(s, select(t.orders).where(t.orders.c.id == order_id))
        if order is None or not order["booking_reference"]:
            return
        try:
            booking = await self._bookings.cancel(order["service_type"], order["booking_reference"])
        except UpstreamProblem as exc:
            if exc.is_transient:
                raise
            logger.warning("hold of order %s not released: %s", order_id, exc.slug)
            return
        async with self._sessions() as s, s.begin():
            row = await self._one(s, select(t.orders).where(t.orders.c.id == order_id).with_for_update())
            assert row is not None
            details = {**(row["booking_details"] or {}), "booking_status": booking.status}
            await s.execute(
                update(t.orders)
                .where(t.orders.c.id == order_id)
                .values(booking_details=details, updated_at=self._clock())
            )


# --- views: rows → the JSON the API answers -------------------------------------------------------


def _money_str(value: Any) -> str | None:
    return None if value is None else str(money(value))


def order_view(row: RowMapping | Row[Any], transaction_id: uuid.UUID | None) -> dict[str, Any]:
    r = row if isinstance(row, RowMapping) else row._mapping
    return {
        "id": str(r["id"]),
        "order_number": r["order_number"],
        "user_id": r["user_id"],
        "status": r["status"],
        "service_type": r["service_type"],
        "offer_id": r["service_id"],
        "quantity": r["quantity"],
        "unit_price": _money_str(r["unit_price"]),
        "total_amount": _money_str(r["total_amount"]),
        "currency": r["currency"],
        "transaction_id": str(transaction_id) if transaction_id else None,
        "booking_reference": r["booking_reference"],
        "hold_expires_at": _iso(r["hold_expires_at"]),
        "booking_details": r["booking_details"] or {},
        "failure_reason": r["failure_reason"],
        "created_at": _iso(r["created_at"]),
        "updated_at": _iso(r["updated_at"]),
    }


def transaction_view(r: RowMapping, payment_ids: list[uuid.UUID] | None) -> dict[str, Any]:
    view = {
        "id": str(r["id"]),
        "user_id": r["user_id"],
        "order_id": str(r["order_id"]),
        "transaction_type": r["transaction_type"],
        "amount": _money_str(r["amount"]),
        "currency": r["currency"],
        "status": r["status"],
        "payment_method": r["payment_method"],
        "payment_gateway": r["payment_gateway"],
        "gateway_transaction_id": r["gateway_transaction_id"],
        "refunded_amount": _money_str(r["refunded_amount"]),
        "metadata": r["metadata"] or {},
        "completed_at": _iso(r["completed_at"]),
        "created_at": _iso(r["created_at"]),
        "updated_at": _iso(r["updated_at"]),
    }
    if payment_ids is not None:
        view["payment_ids"] = [str(p) for p in payment_ids]
    return view


def payment_view(r: RowMapping) -> dict[str, Any]:
    return {
        "id": str(r["id"]),
        "transaction_id": str(r["transaction_id"]),
        "status": r["status"],
        "gateway": r["gateway"],
        "payment_method": r["payment_method"],
        "token": r["token"],
        "redirect_url": r["redirect_url"],
        "amount": _money_str(r["amount"]),
        "currency": r["currency"],
        "refunded_amount": _money_str(r["refunded_amount"]),
        "gateway_transaction_id": r["gateway_transaction_id"],
        "paid_at": _iso(r["paid_at"]),
        "expires_at": _iso(r["expires_at"]),
        "created_at": _iso(r["created_at"]),
        "updated_at": _iso(r["updated_at"]),
    }


def refund_view(r: RowMapping) -> dict[str, Any]:
    return {
        "id": str(r["id"]),
        "transaction_id": str(r["transaction_id"]),
        "payment_id": str(r["payment_id"]),
        "amount": _money_str(r["amount"]),
        "currency": "IDR",
        "reason": r["reason"],
        "status": r["status"],
        "processed_by": r["processed_by"],
        "processed_at": _iso(r["processed_at"]),
        "created_at": _iso(r["created_at"]),
    }
