"""Customer numbers: Indonesian mobile numbers and their operators, PLN meters, bill ids."""

from __future__ import annotations

import re

# Each operator's mobile prefixes (0 + the national destination code), as allocated to them.
OPERATOR_PREFIXES: dict[str, tuple[str, ...]] = {
    "TELKOMSEL": ("0811", "0812", "0813", "0821", "0822", "0823", "0851", "0852", "0853"),
    "INDOSAT": ("0814", "0815", "0816", "0855", "0856", "0857", "0858"),
    "XL": ("0817", "0818", "0819", "0859", "0877", "0878"),
    "AXIS": ("0831", "0832", "0833", "0838"),
    "TRI": ("0895", "0896", "0897", "0898", "0899"),
    "SMARTFREN": ("0881", "0882", "0883", "0884", "0885", "0886", "0887", "0888", "0889"),
}
OPERATOR_NAMES = {
    "TELKOMSEL": "Telkomsel",
    "INDOSAT": "Indosat Ooredoo",
    "XL": "XL",
    "AXIS": "AXIS",
    "TRI": "Tri",
    "SMARTFREN": "Smartfren",
}
_SEPARATORS = re.compile(r"[\s\-().]")
# ASCII digits only: `\d` alone also matches "٣" or "²", which no biller takes as a number.
_LOCAL_MOBILE = re.compile(r"08\d{8,11}", re.ASCII)


def digits_only(text: str) -> str:
    return _SEPARATORS.sub("", text.strip())


def local_mobile(text: str) -> str | None:
    """'+62 812-3456-7890', '6281234567890' and '081234567890' → '081234567890'; None when it
    is not an Indonesian mobile number (08 and 10 to 13 digits)."""
    number = digits_only(text)
    if number.startswith("+62"):
        number = "0" + number[3:]
    elif number.startswith("62"):
        number = "0" + number[2:]
    return number if _LOCAL_MOBILE.fullmatch(number) else None


def looks_like_phone(text: str) -> bool:
    number = digits_only(text)
    return number.startswith(("08", "+62", "62"))


def operator_of(local: str) -> str | None:
    """The operator a local mobile number belongs to, by its four-digit prefix."""
    return next((op for op, prefixes in OPERATOR_PREFIXES.items() if local[:4] in prefixes), None)


def e164(local: str) -> str:
    return "+62" + local[1:]


def account_number(text: str, lengths: tuple[int, int]) -> str | None:
    """A meter, customer or bill id: digits only, within the biller's lengths."""
    number = digits_only(text)
    low, high = lengths
    ascii_digits = number.isascii() and number.isdigit()  # isdigit() alone accepts "²"
    return number if ascii_digits and low <= len(number) <= high else None
