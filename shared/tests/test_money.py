"""One money formatter: two places half-up for JSON, Indonesian grouping for people, and a clear
ValueError for what NUMERIC(14,2) cannot hold."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.money import money_string, rupiah, to_money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("1500000"), "1500000.00"),
        (1500000, "1500000.00"),
        ("1500000", "1500000.00"),
        (" 250000.5 ", "250000.50"),
        ("0.005", "0.01"),  # half-up, not banker's rounding
        ("0.015", "0.02"),
        ("0.025", "0.03"),
        ("2.675", "2.68"),
        ("0.004", "0.00"),
        ("-0.004", "0.00"),  # never "-0.00"
        ("-250000.125", "-250000.13"),
        ("-50000", "-50000.00"),
        ("1E+6", "1000000.00"),  # never an exponent in the output
        ("999999999999.99", "999999999999.99"),
        ("999999999999.994", "999999999999.99"),
        ("-999999999999.99", "-999999999999.99"),
        (0, "0.00"),
    ],
)
def test_money_string_has_two_places_rounded_half_up(value: Decimal | int | str, expected: str) -> None:
    assert money_string(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "NaN",
        "sNaN",
        "Infinity",
        "-Infinity",
        Decimal("NaN"),
        "1e30",
        Decimal("1e30"),
        10**15,
        "999999999999.995",  # rounds to 13 digits before the point
        "-1000000000000",
        "",
        "satu juta",
        "1,5",
    ],
)
def test_what_numeric_14_2_cannot_hold_is_refused(value: Decimal | int | str) -> None:
    with pytest.raises(ValueError, match="amount"):
        money_string(value)


@pytest.mark.parametrize("value", [1.5, True, None, [1]])
def test_floats_and_other_types_are_refused(value: object) -> None:
    with pytest.raises(ValueError, match="must be a Decimal, an int or a decimal string"):
        to_money(value)  # type: ignore[arg-type]


def test_to_money_is_quantized_to_the_cent() -> None:
    amount = to_money("1119590.555")
    assert amount == Decimal("1119590.56")
    assert amount.as_tuple().exponent == -2
    assert to_money(7).as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1250000", "Rp1.250.000"),
        ("1250000.00", "Rp1.250.000"),
        ("1250000.5", "Rp1.250.000,50"),
        ("999", "Rp999"),
        ("1000", "Rp1.000"),
        ("0", "Rp0"),
        ("-50000", "-Rp50.000"),
        ("999999999999.99", "Rp999.999.999.999,99"),
        ("0.004", "Rp0"),
    ],
)
def test_rupiah_for_people(value: str, expected: str) -> None:
    assert rupiah(value) == expected


def test_rupiah_refuses_what_money_string_refuses() -> None:
    with pytest.raises(ValueError, match="not a finite amount"):
        rupiah("NaN")
    with pytest.raises(ValueError, match="beyond the largest amount"):
        rupiah("1e30")
