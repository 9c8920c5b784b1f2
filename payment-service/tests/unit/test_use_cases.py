"""The use cases over in-memory ports: idempotent create, notifications, cancel, refunds."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from domain.charges import ChargeDesk
from domain.errors import (
    ChargeExists,
    ChargePaid,
    ForgedNotification,
    GatewayDisabled,
    GatewayUnavailable,
    IdempotencyKeyReused,
    InvalidCharge,
    InvalidNotification,
    InvalidRefundAmount,
    NotificationUnconfirmed,
)
from domain.gateways import Gateways
from domain.models import ChargeStatus
from domain.notifications import NotificationDesk
from domain.refunds import RefundDesk
from domain.repository import Verdict
from domain.requests import ChargeRequest, Customer, Item
from tests.fakes import FakeMidtrans, FakeUnitOfWork, Store, fixed_clock
from tests.midtrans_payloads import SERVER_KEY, notification, status_body


def request(order_id: str = "pay-1", **overrides: object) -> ChargeRequest:
    values: dict[str, object] = {
        "order_id": order_id,
        "gross_amount": Decimal("150000.00"),
        "currency": "IDR",
        "items": (Item("t", "Ticket", Decimal("150000"), 1),),
        "customer": Customer(first_name="Budi"),
        "expiry_minutes": 60,
        **overrides,
    }
    return ChargeRequest(**values)  # type: ignore[arg-type]


@pytest.fixture
def store() -> Store:
    return Store()


@pytest.fixture
def gateway() -> FakeMidtrans:
    return FakeMidtrans()


@pytest.fixture
def desk(store: Store, gateway: FakeMidtrans) -> ChargeDesk:
    return ChargeDesk(lambda: FakeUnitOfWork(store), Gateways.only(gateway), fixed_clock)


@pytest.fixture
def notifications(store: Store, gateway: FakeMidtrans) -> NotificationDesk:
    return NotificationDesk(lambda: FakeUnitOfWork(store), gateway, fixed_clock, SERVER_KEY)


async def test_create_is_idempotent_per_key(desk: ChargeDesk, gateway: FakeMidtrans) -> None:
    first = await desk.create("k1", request())
    again = await desk.create("k1", request())
    assert first.token == again.token == "tok-pay-1"
    assert gateway.calls == [("snap", "pay-1")]
    with pytest.raises(IdempotencyKeyReused):
        await desk.create("k1", request(expiry_minutes=30))
    with pytest.raises(ChargeExists):
        await desk.create("k2", request())
    with pytest.raises(IdempotencyKeyReused):  # the key already charged pay-1
        await desk.create("k1", request("pay-2"))
    assert gateway.calls == [("snap", "pay-1")]


async def test_a_failed_snap_call_leaves_the_row_for_the_retry(
    desk: ChargeDesk, gateway: FakeMidtrans, store: Store
) -> None:
    gateway.snap_error = GatewayUnavailable("down")
    with pytest.raises(GatewayUnavailable):
        await desk.create("k1", request())
    assert store.charges["pay-1"].token is None  # committed before Snap was called
    gateway.snap_error = None
    assert (await desk.create("k1", request())).token == "tok-pay-1"


async def test_a_retry_keeps_its_gateway_after_it_was_switched_off(
    gateway: FakeMidtrans, store: Store
) -> None:
    gateway.snap_error = GatewayUnavailable("down")
    with pytest.raises(GatewayUnavailable):
        await ChargeDesk(lambda: FakeUnitOfWork(store), Gateways.only(gateway), fixed_clock).create(
            "k1", request()
        )
    gateway.snap_error = None
    switched_off = Gateways({"midtrans": gateway}, enabled=(), default="midtrans")
    desk = ChargeDesk(lambda: FakeUnitOfWork(store), switched_off, fixed_clock)
    assert (await desk.create("k1", request())).token == "tok-pay-1"  # the charge made before
    with pytest.raises(GatewayDisabled):  # a new one is refused, and nothing is stored
        await desk.create("k2", request("pay-2"))
    assert list(store.charges) == ["pay-1"]


@pytest.mark.parametrize(
    "overrides",
    [
        {"gross_amount": Decimal("150000.50")},
        {"gross_amount": Decimal("160000")},
        {"currency": "USD"},
        {"expiry_minutes": 0},
        {"order_id": "bad id!"},
        {"items": ()},
    ],
)
async def test_invalid_charges_are_refused_before_anything_is_stored(
    desk: ChargeDesk, store: Store, overrides: dict[str, object]
) -> None:
    with pytest.raises(InvalidCharge):
        await desk.create("k", request(**overrides))  # type: ignore[arg-type]
    assert store.charges == {}


async def test_a_notification_is_confirmed_and_applied_once(
    desk: ChargeDesk, notifications: NotificationDesk, gateway: FakeMidtrans, store: Store
) -> None:
    await desk.create("k1", request())
    gateway.statuses["pay-1"] = status_body("pay-1", "settlement")
    body = json.dumps(notification("pay-1", "settlement")).encode()
    await notifications.receive(body)
    await notifications.receive(body)
    assert store.charges["pay-1"].status is ChargeStatus.PAID
    assert len(store.events) == 1
    assert [n.verdict for n in store.notifications] == [Verdict.ACCEPTED, Verdict.ACCEPTED]


async def test_refused_notifications_are_stored_with_their_verdict(
    desk: ChargeDesk, notifications: NotificationDesk, gateway: FakeMidtrans, store: Store
) -> None:
    await desk.create("k1", request())
    with pytest.raises(InvalidNotification):
        await notifications.receive(b"{")
    with pytest.raises(ForgedNotification):
        await notifications.receive(
            json.dumps({**notification("pay-1", "settlement"), "signature_key": "x"}).encode()
        )
    gateway.statuses["pay-1"] = GatewayUnavailable("down")
    with pytest.raises(NotificationUnconfirmed):
        await notifications.receive(json.dumps(notification("pay-1", "settlement")).encode())
    assert [n.verdict for n in store.notifications] == [Verdict.INVALID, Verdict.FORGED, Verdict.UNCONFIRMED]
    assert store.events == {}


async def test_cancel_of_a_paid_charge_is_refused(
    desk: ChargeDesk, gateway: FakeMidtrans, store: Store
) -> None:
    await desk.create("k1", request())
    gateway.statuses["pay-1"] = status_body("pay-1", "settlement")
    await desk.sync("pay-1")
    with pytest.raises(ChargePaid):
        await desk.cancel("pay-1")


async def test_refunds_cannot_exceed_what_was_paid(
    desk: ChargeDesk, gateway: FakeMidtrans, store: Store
) -> None:
    await desk.create("k1", request())
    gateway.statuses["pay-1"] = status_body("pay-1", "settlement")
    await desk.sync("pay-1")
    refunds = RefundDesk(lambda: FakeUnitOfWork(store), Gateways.only(gateway), fixed_clock)
    with pytest.raises(InvalidRefundAmount):
        await refunds.refund("pay-1", "r1", Decimal("150001"), "x")
    with pytest.raises(InvalidRefundAmount):
        await refunds.refund("pay-1", "r1", Decimal("0"), "x")
    refund = await refunds.refund("pay-1", "r1", Decimal("150000"), "x")
    assert refund.transaction_status == "refund"
    assert store.charges["pay-1"].status is ChargeStatus.REFUNDED
    assert ("refund", "pay-1") in gateway.calls


def test_the_snap_body_has_integer_rupiah_and_leaves_out_empty_customer_fields() -> None:
    payload = request(customer=Customer(first_name="Budi", email="", phone=None)).snap_payload()
    assert payload == {
        "transaction_details": {"order_id": "pay-1", "gross_amount": 150000},
        "item_details": [{"id": "t", "price": 150000, "quantity": 1, "name": "Ticket"}],
        "customer_details": {"first_name": "Budi"},
        "expiry": {"unit": "minute", "duration": 60},
    }
