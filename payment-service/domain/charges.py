"""Charges for transaction-service: create (a Snap token or a Xendit invoice, once per
Idempotency-Key), read, sync with the charge's gateway, cancel."""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from typing import Any

from domain.errors import (
    AmountMismatch,
    ChargeExists,
    ChargeNotFound,
    ChargePaid,
    GatewayDisabled,
    GatewayRejected,
    IdempotencyKeyReused,
)
from domain.gateways import MIDTRANS, XENDIT, Gateways
from domain.models import FINISHED, PAID_LIKE, Charge, ChargeStatus, GatewayStatus
from domain.personal_data import same_request
from domain.repository import (
    ChargeReader,
    Clock,
    StandaloneWrites,
    UnitOfWork,
    UnitOfWorkChargeReader,
    UnitOfWorkFactory,
    UnitOfWorkStandaloneWrites,
)
from domain.requests import ChargeRequest
from domain.status_updates import change_charge, record_status
from domain.xendit import invoice_payload

logger = logging.getLogger("payment_service.charges")

ORDER_ID_USED = 406  # Snap: "order_id has been paid and utilized" / already taken
NOT_FOUND = 404
CANNOT_MODIFY = 412


def gateway_payload(gateway: str, request: ChargeRequest) -> dict[str, Any]:
    """What the gateway is sent to start the payment (and what a retry is compared with)."""
    if gateway == XENDIT:
        return invoice_payload(request)
    return request.snap_payload()


class ChargeDesk:
    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateways: Gateways,
        clock: Clock,
        charges: ChargeReader | None = None,
        writes: StandaloneWrites | None = None,
    ) -> None:
        self._uow = uow
        self._gateways = gateways
        self._clock = clock
        # A read, and the checks before a gateway call, read the charge on its own; a change
        # locks it again in a unit of work and decides on what it finds there.
        self._charges = charges or UnitOfWorkChargeReader(uow)
        self._writes = writes or UnitOfWorkStandaloneWrites(uow)

    async def create(self, idempotency_key: str, request: ChargeRequest) -> Charge:
        """One charge per order_id, created under one Idempotency-Key.

        The route runs this once per key (requests with one key wait for each other and replay
        the first answer); what is checked here must hold even when that record is gone (it is
        kept for a retention, and forgotten after a 5xx so the caller can retry):
        - crash-safe: the charge row (pending, no token) is committed before Snap is called, so a
          retry after a failure or a crash finds it and calls Snap again for the same order_id;
        - the Snap call runs with the row locked, so two calls for one order never both reach Snap;
        - an order_id charged under another key is ChargeExists; the same key with another
          request is IdempotencyKeyReused;
        - the gateway is chosen once, when the charge is made (a retry keeps it, even if the
          default changed or it was switched off meanwhile)."""
        request.validate()
        charge = await self._row(idempotency_key, request)
        if charge.idempotency_key != idempotency_key:
            raise ChargeExists(f"order_id {request.order_id!r} already has a charge.")
        if not same_request(charge.request, gateway_payload(request.gateway or charge.gateway, request)):
            raise IdempotencyKeyReused(
                "This Idempotency-Key was used with another request body; use a new key."
            )
        if charge.token is not None:
            return charge

        async with self._uow() as uow:
            locked = await uow.charges.get(request.order_id, lock=True)
            assert locked is not None  # committed above, and charges are never deleted
            if locked.token is not None:
                return locked
            try:
                snap = await self._gateways.of(locked).create_snap(locked.request)
            except GatewayRejected as exc:
                if exc.status_code != ORDER_ID_USED or locked.gateway != MIDTRANS:
                    raise
                await self._recover_used_order_id(uow, locked)
                raise ChargeExists(
                    f"Midtrans already has order_id {locked.order_id!r} but its Snap token was never"
                    " recorded here (an earlier attempt was interrupted); its status is synced,"
                    " and a new payment needs a new order_id."
                ) from exc
            locked.attach_snap(snap.token, snap.redirect_url, self._clock(), snap.reference)
            await uow.charges.save(locked)
            await uow.commit()
            return locked

    async def _row(self, idempotency_key: str, request: ChargeRequest) -> Charge:
        """The order's charge row, committed: inserted first (one statement, committed as it
        runs; a new order needs no look-up before it), else the row already there (a retry, or
        a concurrent request)."""
        try:
            gateway = self._gateways.choose(request.gateway)
        except GatewayDisabled:
            # A retry keeps the gateway its charge was made with, even one switched off since.
            existing = await self._charges.read(request.order_id)
            if existing is None:
                raise
            return existing
        now = self._clock()
        charge = Charge(
            id=uuid.uuid4(),
            order_id=request.order_id,
            idempotency_key=idempotency_key,
            gross_amount=request.gross_amount,
            currency=request.currency,
            request=gateway_payload(gateway, request),
            expires_at=now + timedelta(minutes=request.expiry_minutes),
            created_at=now,
            updated_at=now,
            gateway=gateway,
        )
        if await self._writes.add_charge(charge):
            return charge
        # The order_id is charged already, or this key was used for another order_id.
        taken = await self._charges.read(request.order_id)
        if taken is None:
            raise IdempotencyKeyReused("This Idempotency-Key was used for another order_id; use a new key.")
        return taken

    async def _recover_used_order_id(self, uow: UnitOfWork, charge: Charge) -> None:
        """Snap 406: our earlier attempt reached Midtrans and we lost the answer. The token cannot
        be fetched again, but a status can: record it so a payment already made is announced."""
        logger.warning("snap order_id already used at Midtrans", extra={"order_id": charge.order_id})
        try:
            report = await self._gateways.of(charge).status(charge.order_id, charge.gateway_reference)
        except GatewayRejected as exc:
            if exc.status_code == NOT_FOUND:
                return
            raise
        # The same transaction, which already holds the charge's row lock.
        await record_status(uow, charge.order_id, report, self._clock)

    async def get(self, order_id: str) -> Charge:
        charge = await self._charges.read(order_id)
        if charge is None:
            raise ChargeNotFound(f"No charge for order_id {order_id!r}.")
        return charge

    async def sync(self, order_id: str) -> Charge:
        """Asks the charge's gateway now and applies the answer like a notification (recorded,
        announced when new). 404: the payment never started there (Midtrans before the payer
        chose a method, an invoice never created), nothing changes."""
        charge = await self.get(order_id)
        try:
            report = await self._gateways.of(charge).status(order_id, charge.gateway_reference)
        except GatewayRejected as exc:
            if exc.status_code == NOT_FOUND:
                return charge
            raise
        _same_amount(charge, report)
        return await self._record(order_id, report)

    async def cancel(self, order_id: str) -> Charge:
        """Stops a charge that is not paid: expire when pending, cancel when challenged. Midtrans
        404 → it never started, cancelled here. Already paid at Midtrans → ChargePaid, after the
        paid status is recorded and announced the normal way."""
        charge = await self.get(order_id)
        if charge.status in PAID_LIKE:
            raise ChargePaid(f"The charge for {order_id!r} is {charge.status.value}; refund it instead.")
        if charge.status in FINISHED:
            return charge
        gateway = self._gateways.of(charge)
        reference = charge.gateway_reference
        stop = gateway.expire if charge.status is ChargeStatus.PENDING else gateway.cancel
        try:
            report = await stop(order_id, reference)
        except GatewayRejected as exc:
            if exc.status_code == NOT_FOUND:
                async with self._uow() as uow:
                    now = self._clock()
                    return await change_charge(uow, order_id, lambda c: c.cancel_locally(now), self._clock)
            if exc.status_code != CANNOT_MODIFY:
                raise
            # 412: the transaction moved on at Midtrans (paid, or challenged); find out how.
            report = await gateway.status(order_id, reference)
            if report.status in (ChargeStatus.PENDING, ChargeStatus.CHALLENGE):
                report = await gateway.cancel(order_id, reference)
        _same_amount(charge, report)
        charge = await self._record(order_id, report)
        if charge.status in PAID_LIKE:
            raise ChargePaid(f"The gateway reports the charge for {order_id!r} as paid; refund it instead.")
        return charge

    async def _record(self, order_id: str, report: GatewayStatus) -> Charge:
        async with self._uow() as uow:
            return await record_status(uow, order_id, report, self._clock)


def _same_amount(charge: Charge, report: GatewayStatus) -> None:
    """The gateway's amount must be the charge's; a report that says otherwise is not applied."""
    if report.gross_amount is not None and report.gross_amount != charge.gross_amount:
        logger.warning("status amount mismatch", extra={"order_id": charge.order_id})
        raise AmountMismatch(
            f"{charge.gateway} reports {report.gross_amount} for {charge.order_id!r},"
            f" not {charge.gross_amount}."
        )
