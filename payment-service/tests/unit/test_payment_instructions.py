"""Where to pay, read from Midtrans's bodies in each method's documented shape."""

from __future__ import annotations

from typing import Any

import pytest

from domain.models import GatewayStatus
from domain.payment_instructions import instructions_event_id, read_midtrans_instructions

PENDING = {"order_id": "pay-1", "transaction_status": "pending", "expiry_time": "2026-12-05 14:00:00"}


@pytest.mark.parametrize(
    ("method_fields", "expected"),
    [
        (
            {"payment_type": "bank_transfer", "va_numbers": [{"bank": "BCA", "va_number": "12345678901"}]},
            {"method": "bank_transfer", "bank": "bca", "va_number": "12345678901"},
        ),
        (
            {"payment_type": "bank_transfer", "permata_va_number": "8562000087926752"},
            {"method": "bank_transfer", "bank": "permata", "va_number": "8562000087926752"},
        ),
        (
            {"payment_type": "echannel", "bill_key": "990000000260", "biller_code": "70012"},
            {"method": "echannel", "bank": "mandiri", "biller_code": "70012", "bill_key": "990000000260"},
        ),
        (
            {
                "payment_type": "qris",
                "qr_string": "00020101021226620014COM.GO-JEK.WWW",
                "actions": [
                    {"name": "generate-qr-code", "method": "GET", "url": "https://api.midtrans.com/qr.png"}
                ],
            },
            {
                "method": "qris",
                "qr_string": "00020101021226620014COM.GO-JEK.WWW",
                "qr_url": "https://api.midtrans.com/qr.png",
            },
        ),
    ],
)
def test_each_method_says_where_to_pay_until_when(
    method_fields: dict[str, Any], expected: dict[str, str]
) -> None:
    found = read_midtrans_instructions({**PENDING, **method_fields})
    # 14.00 in Jakarta is 07.00 UTC.
    assert found == {**expected, "expires_at": "2026-12-05T07:00:00+00:00"}
    assert GatewayStatus.from_body({**PENDING, **method_fields}).instructions == found


@pytest.mark.parametrize(
    "method_fields",
    [
        {"payment_type": "credit_card", "masked_card": "48111111-1114", "bank": "bni"},
        {"payment_type": "qris", "acquirer": "gopay"},
        {"payment_type": "bank_transfer", "va_numbers": []},
        {"payment_type": "bank_transfer", "va_numbers": [{"bank": "bca", "va_number": "1" * 500}]},
        {"payment_type": "qris", "actions": [{"name": "generate-qr-code", "url": "javascript:alert(1)"}]},
        {"payment_type": "echannel", "bill_key": "990000000260"},
        {},
    ],
)
def test_no_instructions_without_a_usable_destination(method_fields: dict[str, Any]) -> None:
    assert read_midtrans_instructions({**PENDING, **method_fields}) is None


def test_an_unreadable_expiry_is_left_out_and_the_event_id_is_one_per_payment() -> None:
    body = {"payment_type": "bank_transfer", "permata_va_number": "856200", "expiry_time": "soon"}
    assert read_midtrans_instructions(body) == {
        "method": "bank_transfer",
        "bank": "permata",
        "va_number": "856200",
    }
    assert instructions_event_id("midtrans", "pay-1") == instructions_event_id("midtrans", "pay-1")
    assert instructions_event_id("midtrans", "pay-1") != instructions_event_id("midtrans", "pay-2")
