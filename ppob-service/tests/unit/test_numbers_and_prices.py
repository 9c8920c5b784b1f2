"""Pure rules: phone numbers and operators, selling prices, cut-off windows, PLN token grouping,
booking_details validation."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.booking_details import read_details
from domain.documents import documents_for, group_token
from domain.errors import InvalidBooking
from domain.models import Booking, Category, Margin, Offer
from domain.numbers import account_number, local_mobile, operator_of
from domain.price_list import in_cut_off, selling_price
from shared.booking_lifecycle import BookingStatus, Customer, LineItem
from tests.fakes import entry

NOW = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("typed", "local", "operator"),
    [
        ("081234567890", "081234567890", "TELKOMSEL"),
        ("+62 812-3456-7890", "081234567890", "TELKOMSEL"),
        ("6285612345678", "085612345678", "INDOSAT"),
        ("0878 0000 1230", "087800001230", "XL"),
        ("083112345678", "083112345678", "AXIS"),
        ("089512345678", "089512345678", "TRI"),
        ("088112345678", "088112345678", "SMARTFREN"),
        ("081012345678", "081012345678", None),
    ],
)
def test_numbers_are_normalised_and_their_operator_found_by_prefix(
    typed: str, local: str, operator: str | None
) -> None:
    assert local_mobile(typed) == local
    assert operator_of(local) == operator


@pytest.mark.parametrize(
    "typed",
    [
        "0812",
        "12345678901",
        "+1 202 555 0100",
        "08123456789012345",
        "08-abc",
        "0812345678\u0663\u0664",
        "0812\xb2345678",
    ],
)
def test_what_is_not_an_indonesian_mobile_number(typed: str) -> None:
    assert local_mobile(typed) is None


@pytest.mark.parametrize("typed", ["1423456789\xb2", "14234567890\u0663", ""])
def test_a_meter_or_bill_number_is_ascii_digits_only(typed: str) -> None:
    assert account_number(typed, (11, 12)) is None
    assert account_number("14234567890", (11, 12)) == "14234567890"


def test_selling_price_is_cost_plus_margin_rounded_up_to_whole_rupiah() -> None:
    assert selling_price(Decimal("49850.00"), Margin(Decimal("1000"), Decimal("0"))) == Decimal("50850.00")
    assert selling_price(Decimal("49850.00"), Margin(Decimal("0"), Decimal("1.5"))) == Decimal("50598.00")


def test_cut_off_windows_in_jakarta_time() -> None:
    nightly = entry("x", "X", Category.PULSA, "XL", "1.00", start_cut_off="23:45", end_cut_off="0:15")
    assert in_cut_off(nightly, datetime(2026, 12, 4, 16, 50, tzinfo=UTC))  # 23:50 WIB
    assert in_cut_off(nightly, datetime(2026, 12, 4, 17, 10, tzinfo=UTC))  # 00:10 WIB
    assert not in_cut_off(nightly, NOW)  # 10:00 WIB
    assert not in_cut_off(entry("y", "Y", Category.PULSA, "XL", "1.00"), NOW)


def _offer() -> Offer:
    line = LineItem("Telkomsel 50.000 for 081234567890", 1, Decimal("50850.00"))
    return Offer(
        "ppob_1",
        "tsel50",
        "Telkomsel 50.000",
        Category.PULSA,
        "TELKOMSEL",
        "081234567890",
        (line,),
        Decimal("49850.00"),
        {},
        NOW,
        NOW,
    )


def test_booking_details_are_normalised() -> None:
    details = {
        "contact": {"email": " Siti@Example.co.id", "phone": "0812-3456-7890"},
        "customer_number": "+6281234567890",
    }
    customer, normalised = read_details(details, _offer())
    assert customer == Customer("siti", "", "siti@example.co.id", "+6281234567890")
    assert normalised == {
        "customer_number": "081234567890",
        "contact": {"email": "siti@example.co.id", "phone": "+6281234567890"},
    }


def test_every_broken_rule_is_listed() -> None:
    details = {
        "contact": {"email": "nope", "phone": "12", "age": 3},
        "customer_number": "085612345678",
        "x": 1,
    }
    with pytest.raises(InvalidBooking) as caught:
        read_details(details, _offer())
    assert sorted(loc for loc, _, _ in caught.value.errors) == sorted(
        [("x",), ("customer_number",), ("contact", "age"), ("contact", "email"), ("contact", "phone")]
    )


def test_a_pln_token_is_grouped_four_by_four_with_its_kwh() -> None:
    assert group_token("12345678901234567890") == "1234 5678 9012 3456 7890"
    booking = Booking(
        "ref",
        "ppob_1",
        BookingStatus.ISSUED,
        "pln100",
        "PLN 100.000",
        Category.PLN,
        "14234567890",
        (LineItem("PLN 100.000", 1, Decimal("101150.00")),),
        Decimal("100150.00"),
        Customer("Budi", "", "b@example.id", "+6281234567890"),
        {"customer_name": "BUDI SANTOSO", "segment_power": "R1/1300 VA"},
        NOW,
        NOW,
        NOW,
    )
    (document,) = documents_for(booking, "12345678901234567890/BUDI SANTOSO/R1/1300/62.9")
    assert document.kind == "pln-token"
    assert document.reference == "1234 5678 9012 3456 7890"
    assert document.fields["kwh"] == "62.9"
    assert document.fields["name"] == "BUDI SANTOSO"
