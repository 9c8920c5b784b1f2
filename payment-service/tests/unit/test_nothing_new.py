"""A report that is nothing new for the charge as last committed is recorded without the row
lock (domain/status_updates.py, nothing_new): that is only right if, against any state the charge
can reach afterwards, the same report would change nothing either. Checked here over every state a
charge reaches in a few moves, for Midtrans's statuses, Xendit's and our own refunds."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from domain.models import Applied, Charge, ChargeStatus, GatewayStatus
from domain.status_updates import nothing_new

S = ChargeStatus
NOW = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
SETTLED_AT = NOW + timedelta(minutes=2)
GROSS = Decimal("150000.00")
DEPTH = 4


def report(
    transaction_status: str | None,
    *,
    fraud_status: str | None = None,
    refunded: str = "0.00",
    payment_type: str | None = None,
    settlement_time: datetime | None = None,
    normalised: ChargeStatus | None = None,
    instructions: dict[str, str] | None = None,
) -> GatewayStatus:
    return GatewayStatus(
        order_id="pay-1",
        status_code="200",
        transaction_status=transaction_status,
        fraud_status=fraud_status,
        gross_amount=GROSS,
        currency="IDR",
        payment_type=payment_type,
        transaction_id="midtrans-1" if transaction_status else None,
        settlement_time=settlement_time,
        refunded_amount=Decimal(refunded),
        normalised=normalised,
        instructions=instructions,
    )


VA = {"method": "bank_transfer", "bank": "bca", "va_number": "12345678901"}
REPORTS = [
    report("pending"),
    report("pending", payment_type="bank_transfer", instructions=VA),
    report("authorize", payment_type="credit_card"),
    report("capture", fraud_status="accept", payment_type="credit_card"),
    report("capture", fraud_status="challenge", payment_type="credit_card"),
    report("settlement", fraud_status="accept", payment_type="gopay", settlement_time=SETTLED_AT),
    report("deny", fraud_status="deny"),
    report("cancel"),
    report("expire"),
    report("failure"),
    report("partial_refund", refunded="50000.00", settlement_time=SETTLED_AT),
    report("partial_refund", refunded="100000.00", normalised=S.PARTIALLY_REFUNDED),
    report("refund", refunded="150000.00", normalised=S.REFUNDED),
    report("refund"),
    # Xendit's invoice statuses
    report("PENDING", normalised=S.PENDING),
    report("PAID", normalised=S.PAID, payment_type="ovo"),
    report("SETTLED", normalised=S.PAID, payment_type="ovo", settlement_time=SETTLED_AT),
    report("EXPIRED", normalised=S.EXPIRED),
]


def fresh() -> Charge:
    return Charge(
        id=uuid.UUID(int=1),
        order_id="pay-1",
        idempotency_key="k",
        gross_amount=GROSS,
        currency="IDR",
        request={},
        expires_at=NOW + timedelta(hours=1),
        created_at=NOW,
        updated_at=NOW,
    )


def moves(charge: Charge) -> Iterator[Charge]:
    """Every state one report (or a local cancel) makes of `charge`."""
    for r in REPORTS:
        moved = dataclasses.replace(charge)
        if moved.apply(r, NOW) in (Applied.ANNOUNCE, Applied.RECORDED):
            yield moved
    cancelled = dataclasses.replace(charge)
    if cancelled.cancel_locally(NOW) is Applied.ANNOUNCE:
        yield cancelled


def key(charge: Charge) -> tuple[object, ...]:
    return tuple(
        getattr(charge, f.name) for f in dataclasses.fields(charge) if f.name not in ("request", "updated_at")
    )


def reachable(start: Charge, depth: int) -> list[Charge]:
    seen = {key(start): start}
    frontier = [start]
    for _ in range(depth):
        frontier = [m for c in frontier for m in moves(c) if key(m) not in seen]
        for m in frontier:
            seen.setdefault(key(m), m)
    return list(seen.values())


def test_a_duplicate_of_a_committed_state_changes_nothing_in_any_later_one() -> None:
    states = reachable(fresh(), DEPTH)
    assert len(states) > 50  # the walk went somewhere
    checked = 0
    for committed in states:
        later_states = reachable(committed, DEPTH)
        for r in REPORTS:
            if not nothing_new(committed, r, NOW):
                continue
            for later in later_states:
                trial = dataclasses.replace(later)
                assert trial.apply(r, NOW) in (Applied.DUPLICATE, Applied.STALE), (committed, later, r)
                # Where to pay is written only for a pending charge: none can be one later.
                assert not (r.instructions and later.status is S.PENDING), (committed, later, r)
                checked += 1
    assert checked > 1000


def test_payment_instructions_for_a_pending_charge_take_the_locked_path() -> None:
    charge = fresh()
    with_instructions = REPORTS[1]
    charge.apply(with_instructions, NOW)  # the method learnt: now a duplicate in every other way
    assert nothing_new(charge, report("pending"), NOW)
    assert not nothing_new(charge, with_instructions, NOW)
