"""In-memory implementations of the payment ports, for unit tests of the use cases."""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from types import TracebackType
from typing import Any, Self

from domain.errors import GatewayRejected
from domain.models import Charge, GatewayStatus
from domain.repository import (
    ChargeRepository,
    EventOutbox,
    NotificationLog,
    ReceivedNotification,
    Refund,
    RefundRepository,
    SnapToken,
    StoredNotification,
    Verdict,
)

NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return NOW


@dataclass
class Store:
    charges: dict[str, Charge] = field(default_factory=dict)
    notifications: list[ReceivedNotification] = field(default_factory=list)
    refunds: dict[str, Refund] = field(default_factory=dict)
    events: dict[uuid.UUID, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    reduced: dict[uuid.UUID, datetime] = field(default_factory=dict)  # notification id → reduced_at


class FakeUnitOfWork:
    """Changes are staged on a copy and land in the store only on commit."""

    charges: ChargeRepository
    notifications: NotificationLog
    refunds: RefundRepository
    events: EventOutbox

    def __init__(self, store: Store) -> None:
        self._store = store
        self.commits = 0

    async def __aenter__(self) -> Self:
        self._staged = copy.deepcopy(self._store)
        self.charges = _Charges(self._staged)
        self.notifications = _Notifications(self._staged)
        self.refunds = _Refunds(self._staged)
        self.events = _Events(self._staged)
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def commit(self) -> None:
        self._store.charges = self._staged.charges
        self._store.notifications = self._staged.notifications
        self._store.refunds = self._staged.refunds
        self._store.events = self._staged.events
        self._store.reduced = self._staged.reduced
        self._staged = copy.deepcopy(self._store)
        self.commits += 1


class _Charges:
    def __init__(self, store: Store) -> None:
        self._s = store

    async def get(self, order_id: str, *, lock: bool = False) -> Charge | None:
        return self._s.charges.get(order_id)

    async def add(self, charge: Charge) -> bool:
        # Both are unique in the charges table.
        keys = {c.idempotency_key for c in self._s.charges.values()}
        if charge.order_id in self._s.charges or charge.idempotency_key in keys:
            return False
        self._s.charges[charge.order_id] = charge
        return True

    async def save(self, charge: Charge) -> None:
        self._s.charges[charge.order_id] = charge


class _Notifications:
    def __init__(self, store: Store) -> None:
        self._s = store

    async def add(self, notification: ReceivedNotification) -> None:
        self._s.notifications.append(notification)

    async def purge_rejected(self, received_before: datetime) -> int:
        kept = [
            n
            for n in self._s.notifications
            if n.verdict is Verdict.ACCEPTED or n.received_at >= received_before
        ]
        purged = len(self._s.notifications) - len(kept)
        self._s.notifications = kept
        return purged

    async def accepted_to_reduce(self, received_before: datetime, limit: int) -> list[StoredNotification]:
        whole = [
            n
            for n in self._s.notifications
            if n.verdict is Verdict.ACCEPTED
            and n.id not in self._s.reduced
            and n.received_at < received_before
        ]
        whole.sort(key=lambda n: n.received_at)
        return [StoredNotification(n.id, n.gateway, n.raw_body, n.body) for n in whole[:limit]]

    async def reduce(self, notification_id: uuid.UUID, body: dict[str, Any], reduced_at: datetime) -> None:
        self._s.notifications = [
            replace(n, raw_body=json.dumps(body), body=body) if n.id == notification_id else n
            for n in self._s.notifications
        ]
        self._s.reduced[notification_id] = reduced_at


class _Refunds:
    def __init__(self, store: Store) -> None:
        self._s = store

    async def get(self, refund_key: str) -> Refund | None:
        return self._s.refunds.get(refund_key)

    async def add(self, refund: Refund) -> None:
        self._s.refunds[refund.refund_key] = refund


class _Events:
    def __init__(self, store: Store) -> None:
        self._s = store

    async def add_once(self, event_id: uuid.UUID, topic: str, payload: dict[str, Any]) -> bool:
        if event_id in self._s.events:
            return False
        self._s.events[event_id] = (topic, payload)
        return True

    async def forget_payment_instructions(self, delivered_before: datetime, limit: int) -> int:
        return 0  # the fake relays nothing: no event is ever delivered


class FakeMidtrans:
    """Answers from what the test put in; records every call."""

    def __init__(self) -> None:
        self.statuses: dict[str, dict[str, Any] | Exception] = {}
        self.snap_error: Exception | None = None
        self.calls: list[tuple[str, str]] = []

    async def create_snap(self, payload: dict[str, Any]) -> SnapToken:
        order_id = payload["transaction_details"]["order_id"]
        self.calls.append(("snap", order_id))
        if self.snap_error is not None:
            raise self.snap_error
        return SnapToken(f"tok-{order_id}", f"https://snap.test/vtweb/tok-{order_id}")

    async def status(self, order_id: str, reference: str | None = None) -> GatewayStatus:
        self.calls.append(("status", order_id))
        answer = self.statuses.get(order_id, GatewayRejected(404, "Transaction doesn't exist."))
        if isinstance(answer, Exception):
            raise answer
        return GatewayStatus.from_body(answer)

    async def cancel(self, order_id: str, reference: str | None = None) -> GatewayStatus:
        self.calls.append(("cancel", order_id))
        return await self.status(order_id)

    async def expire(self, order_id: str, reference: str | None = None) -> GatewayStatus:
        self.calls.append(("expire", order_id))
        return await self.status(order_id)

    async def refund(
        self, order_id: str, refund_key: str, amount: Decimal, reason: str, reference: str | None = None
    ) -> GatewayStatus:
        self.calls.append(("refund", order_id))
        return GatewayStatus.from_body(
            {
                "order_id": order_id,
                "status_code": "200",
                "transaction_status": "refund",
                "refund_amount": str(amount),
            }
        )
