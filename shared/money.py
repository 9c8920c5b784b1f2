"""Money as every TiketQ service writes it.

Amounts are `Decimal` in code and `NUMERIC(14,2)` in PostgreSQL, so an amount has at most 12
digits before the point and 2 after: up to 999,999,999,999.99 (rupiah totals pass 100 million,
nothing we sell comes near a trillion). In JSON an amount is a decimal string with two places,
`"1500000.00"`, next to `"currency": "IDR"`; people read it as `Rp1.250.000` (Indonesian
grouping: dots for thousands, a comma before the sen).

Rounding is ROUND_HALF_UP (the way people and the tax office round), not Python's default
banker's rounding. NaN, infinities and amounts too large for NUMERIC(14,2) are refused with
ValueError rather than passed on to fail in the database or, worse, be shown.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
# NUMERIC(14,2): the largest magnitude the column stores; anything from TOO_LARGE up would
# round to a 13-digit integer part.
LARGEST = Decimal("999999999999.99")
TOO_LARGE = Decimal("999999999999.995")


def to_money(value: Decimal | int | str) -> Decimal:
    """The amount rounded half-up to the cent; ValueError for NaN, infinity, garbage, a float
    (binary floats cannot hold cents exactly) or anything beyond NUMERIC(14,2)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        kind = type(value).__name__
        raise ValueError(f"an amount must be a Decimal, an int or a decimal string, not {kind}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    # Compare before quantizing: quantize itself fails on numbers with more digits than the
    # context's precision (1e30 would raise InvalidOperation, not a clear ValueError).
    if abs(amount) >= TOO_LARGE:
        raise ValueError(f"{value!r} is beyond the largest amount ({LARGEST})")
    rounded = amount.quantize(CENT, rounding=ROUND_HALF_UP)
    return Decimal("0.00") if rounded.is_zero() else rounded  # never "-0.00"


def money_string(value: Decimal | int | str) -> str:
    """`"1500000.00"`: the amount as JSON carries it, always two places, never an exponent."""
    return f"{to_money(value):f}"


def rupiah(value: Decimal | int | str) -> str:
    """The amount for people: `Rp1.250.000`, or `Rp1.250.000,50` when there are sen;
    a negative amount reads `-Rp50.000`."""
    amount = to_money(value)
    sign = "-" if amount < 0 else ""
    whole, _, cents = f"{abs(amount):f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    return f"{sign}Rp{grouped}" if cents == "00" else f"{sign}Rp{grouped},{cents}"
