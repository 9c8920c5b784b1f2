"""Normalising Midtrans statuses, stale reports, event ids, parsing and signatures."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.models import Applied, Charge, ChargeStatus, GatewayStatus, event_id_for, normalise
from domain.signature import signature_is_valid
from tests.midtrans_payloads import SERVER_KEY, status_body

S = ChargeStatus
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("transaction_status", "fraud_status", "expected"),
    [
        ("settlement", None, S.PAID),
        ("settlement", "accept", S.PAID),
        ("capture", "accept", S.PAID),
        ("capture", None, S.PAID),
        ("capture", "challenge", S.CHALLENGE),
        ("capture", "deny", S.FAILED),
        ("pending", None, S.PENDING),
        ("deny", "deny", S.FAILED),
        ("cancel", None, S.CANCELLED),
        ("expire", None, S.EXPIRED),
        ("refund", "accept", S.REFUNDED),
        ("partial_refund", "accept", S.PARTIALLY_REFUNDED),
        ("chargeback", None, S.REFUNDED),
        ("partial_chargeback", None, S.PARTIALLY_REFUNDED),
        ("failure", None, S.FAILED),
        ("something_new", None, S.FAILED),
        (None, None, S.FAILED),
    ],
)
def test_normalise(transaction_status: str | None, fraud_status: str | None, expected: ChargeStatus) -> None:
    assert normalise(transaction_status, fraud_status) is expected


def charge(status: S = S.PENDING, refunded: str = "0.00", transaction_status: str | None = None) -> Charge:
    return Charge(
        id=uuid.uuid4(),
        order_id="pay-1",
        idempotency_key="k",
        gross_amount=Decimal("150000.00"),
        currency="IDR",
        request={},
        expires_at=NOW + timedelta(hours=1),
        created_at=NOW,
        updated_at=NOW,
        status=status,
        refunded_amount=Decimal(refunded),
        transaction_status=transaction_status,
    )


def report(transaction_status: str, **kwargs: object) -> GatewayStatus:
    return GatewayStatus.from_body(status_body("pay-1", transaction_status, **kwargs))  # type: ignore[arg-type]


def test_settlement_pays_a_pending_charge() -> None:
    c = charge()
    assert c.apply(report("settlement"), NOW) is Applied.ANNOUNCE
    assert c.status is S.PAID
    assert c.settlement_time == datetime(2026, 11, 27, 2, 16, 40, tzinfo=UTC)  # 09:16:40 WIB


def test_pending_after_settlement_is_stale() -> None:
    c = charge(S.PAID, transaction_status="settlement")
    assert c.apply(report("pending"), NOW) is Applied.STALE
    assert c.status is S.PAID
    assert c.transaction_status == "settlement"


@pytest.mark.parametrize("late", ["expire", "cancel", "deny", "pending"])
def test_nothing_but_a_refund_follows_paid(late: str) -> None:
    c = charge(S.PAID, transaction_status="settlement")
    assert c.apply(report(late), NOW) is Applied.STALE


def test_a_refund_after_paid_is_announced() -> None:
    c = charge(S.PAID, transaction_status="settlement")
    assert c.apply(report("partial_refund", refunds=[("k1", "50000.00")]), NOW) is Applied.ANNOUNCE
    assert (c.status, c.refunded_amount) == (S.PARTIALLY_REFUNDED, Decimal("50000.00"))
    assert c.apply(report("partial_refund", refunds=[("k1", "50000.00")]), NOW) is Applied.DUPLICATE
    more = report("partial_refund", refunds=[("k1", "50000.00"), ("k2", "10000.00")])
    assert c.apply(more, NOW) is Applied.ANNOUNCE
    assert c.refunded_amount == Decimal("60000.00")


def test_a_full_refund_without_an_amount_refunds_everything() -> None:
    c = charge(S.PAID)
    assert (
        c.apply(GatewayStatus.from_body({"order_id": "pay-1", "transaction_status": "refund"}), NOW)
        is Applied.ANNOUNCE
    )
    assert c.refunded_amount == Decimal("150000.00")


def test_capture_then_settlement_is_recorded_not_announced() -> None:
    c = charge()
    assert c.apply(report("capture", payment_type="credit_card"), NOW) is Applied.ANNOUNCE
    assert c.apply(report("settlement", payment_type="credit_card"), NOW) is Applied.RECORDED
    assert c.transaction_status == "settlement"
    assert c.apply(report("capture", payment_type="credit_card"), NOW) is Applied.DUPLICATE
    assert c.transaction_status == "settlement"


def test_a_challenge_can_be_accepted_or_denied_but_not_return_to_pending() -> None:
    c = charge()
    assert c.apply(report("capture", fraud_status="challenge"), NOW) is Applied.ANNOUNCE
    assert c.status is S.CHALLENGE
    assert c.apply(report("pending"), NOW) is Applied.STALE
    assert c.apply(report("settlement"), NOW) is Applied.ANNOUNCE


def test_money_arriving_on_a_locally_cancelled_charge_is_announced() -> None:
    c = charge()
    assert c.cancel_locally(NOW) is Applied.ANNOUNCE
    assert c.apply(report("settlement"), NOW) is Applied.ANNOUNCE
    assert c.status is S.PAID


def test_the_event_id_is_derived_from_the_fact() -> None:
    a = event_id_for("pay-1", "settlement", "accept", Decimal("0"))
    assert a == event_id_for("pay-1", "settlement", "accept", Decimal("0.00"))
    assert a == uuid.uuid5(uuid.NAMESPACE_URL, "midtrans:pay-1:settlement:accept:0.00")
    assert a != event_id_for("pay-1", "settlement", "accept", Decimal("1.00"))
    assert a != event_id_for("pay-2", "settlement", "accept", Decimal("0"))


def test_the_event_payload() -> None:
    c = charge()
    c.apply(report("settlement", payment_type="qris"), NOW)
    data = c.event_payload(NOW)
    assert data["status"] == "paid"
    assert data["gross_amount"] == "150000.00"
    assert data["refunded_amount"] == "0.00"
    assert data["settlement_time"] == "2026-11-27T02:16:40+00:00"
    assert data["payment_type"] == "qris"
    assert data["observed_at"] == NOW.isoformat()


def test_status_parsing_is_lenient() -> None:
    parsed = GatewayStatus.from_body(
        {"order_id": "x", "gross_amount": "oops", "settlement_time": "yesterday"}
    )
    assert parsed.gross_amount is None
    assert parsed.settlement_time is None
    assert parsed.status is S.FAILED


def test_signature_uses_the_strings_exactly_as_received() -> None:
    expected = hashlib.sha512(f"pay-1200150000.00{SERVER_KEY}".encode()).hexdigest()
    assert signature_is_valid("pay-1", "200", "150000.00", expected, SERVER_KEY)
    assert not signature_is_valid("pay-1", "200", "150000", expected, SERVER_KEY)  # not re-formatted
    assert not signature_is_valid("pay-1", "200", "150000.00", expected, "another-key")
    assert not signature_is_valid("pay-1", "200", "150000.00", "", SERVER_KEY)
