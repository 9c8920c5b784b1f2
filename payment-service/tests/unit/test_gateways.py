"""Choosing the gateway of a new payment, and reading Xendit's invoices as charge statuses."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.errors import GatewayDisabled
from domain.gateways import Gateways
from domain.models import ChargeStatus
from domain.xendit import from_invoice, invoice_payload, payment_type
from tests.fakes import FakeMidtrans
from tests.unit.test_use_cases import request
from tests.xendit_payloads import invoice


def gateways(enabled: tuple[str, ...], default: str = "midtrans") -> Gateways:
    return Gateways({"midtrans": FakeMidtrans(), "xendit": FakeMidtrans()}, enabled=enabled, default=default)


def test_the_default_takes_a_payment_that_names_no_gateway() -> None:
    assert gateways(("midtrans", "xendit")).choose(None) == "midtrans"
    assert gateways(("midtrans", "xendit"), default="xendit").choose(None) == "xendit"


def test_a_default_switched_off_hands_over_to_a_gateway_still_on() -> None:
    assert gateways(("xendit",)).choose(None) == "xendit"


def test_a_named_gateway_switched_off_is_refused() -> None:
    with pytest.raises(GatewayDisabled):
        gateways(("xendit",)).choose("midtrans")
    with pytest.raises(GatewayDisabled):
        gateways(()).choose(None)


def test_a_switched_off_gateway_still_serves_its_charges() -> None:
    book = gateways(("xendit",))
    assert book.named("midtrans") is not None
    assert book.enabled == ("xendit",)


@pytest.mark.parametrize(
    ("method", "channel", "expected"),
    [
        ("BANK_TRANSFER", "BNI", "bank_transfer"),
        ("EWALLET", "OVO", "ovo"),
        ("QR_CODE", "QRIS", "qris"),
        ("CREDIT_CARD", "CARD", "credit_card"),
        (None, None, None),
    ],
)
def test_payment_methods_read_like_midtrans_payment_types(
    method: str | None, channel: str | None, expected: str | None
) -> None:
    assert payment_type(method, channel) == expected


def test_an_unknown_invoice_status_is_a_failure_and_a_garbage_amount_is_absent() -> None:
    report = from_invoice(invoice("i1", "pay-1", "VOIDED", amount="NaN"))
    assert report.status is ChargeStatus.FAILED
    assert report.gross_amount is None


def test_the_invoice_body_carries_integer_rupiah_and_seconds() -> None:
    body = invoice_payload(request())
    assert body["external_id"] == "pay-1"
    assert body["amount"] == 150000
    assert body["invoice_duration"] == 3600
    assert sum(i["price"] * i["quantity"] for i in body["items"]) == 150000
    assert Decimal(body["amount"]) == request().gross_amount
