from __future__ import annotations

from datetime import date

import pytest

from domain.errors import InvalidProfileData
from domain.profile_fields import (
    check_date_of_birth,
    mask_id_number,
    parse_address,
    parse_email,
    parse_full_name,
    parse_id_number,
    parse_nationality,
    parse_phone,
)

TODAY = date(2025, 6, 1)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("081234567890", "+6281234567890"),
        ("+62 812 3456 7890", "+6281234567890"),
        ("6281234567890", "+6281234567890"),
        ("(021) 5555-1234", "+622155551234"),
        ("+65 6123 4567", "+6561234567"),
    ],
)
def test_phone_numbers_are_read_as_indonesian_and_stored_in_e164(typed: str, stored: str) -> None:
    assert parse_phone(typed) == stored


@pytest.mark.parametrize("typed", ["", "12", "0812345", "not a phone", "+1 555", "0" * 40])
def test_impossible_phone_numbers_are_refused_with_a_clear_message(typed: str) -> None:
    with pytest.raises(InvalidProfileData, match="phone is not a valid phone number"):
        parse_phone(typed)


def test_nationality_is_an_iso_alpha2_code_stored_upper_case() -> None:
    assert parse_nationality("id") == "ID"
    assert parse_nationality(" SG ") == "SG"


@pytest.mark.parametrize("typed", ["XX", "IDN", "I", "", "1D", "Ïd"])
def test_unknown_countries_are_refused(typed: str) -> None:
    with pytest.raises(InvalidProfileData, match="ISO 3166-1 alpha-2"):
        parse_nationality(typed)


@pytest.mark.parametrize("typed", ["3201234567893456", "A1234567", "X12345", "AB1234567"])
def test_ktp_and_passport_numbers_are_kept_as_given(typed: str) -> None:
    assert parse_id_number(typed) == typed


@pytest.mark.parametrize("typed", ["320123456789345", "32012345678934567", "A123", "AB12345678", "A123-567"])
def test_other_id_numbers_are_refused(typed: str) -> None:
    with pytest.raises(InvalidProfileData, match="KTP number"):
        parse_id_number(typed)


def test_id_numbers_are_masked_down_to_their_last_four_characters() -> None:
    assert mask_id_number("3201234567893456") == "************3456"
    assert mask_id_number("A1234567") == "****4567"


def test_a_birth_date_today_or_up_to_120_years_ago_is_accepted() -> None:
    assert check_date_of_birth(TODAY, TODAY) == TODAY
    # 120 until the day before the 121st birthday.
    assert check_date_of_birth(date(1904, 6, 2), TODAY) == date(1904, 6, 2)


def test_a_birth_date_in_the_future_is_refused() -> None:
    with pytest.raises(InvalidProfileData, match="future"):
        check_date_of_birth(date(2025, 6, 2), TODAY)


def test_an_age_over_120_is_refused() -> None:
    with pytest.raises(InvalidProfileData, match="over 120"):
        check_date_of_birth(date(1904, 6, 1), TODAY)


def test_names_lose_extra_whitespace_and_cannot_be_blank_or_too_long() -> None:
    assert parse_full_name("  Siti   Rahayu ") == "Siti Rahayu"
    with pytest.raises(InvalidProfileData, match="blank"):
        parse_full_name("   ")
    with pytest.raises(InvalidProfileData, match="longer than 200"):
        parse_full_name("a" * 201)


def test_names_and_addresses_hold_no_control_character_but_an_address_may_span_lines() -> None:
    for bad in ("Siti\x00Rahayu", "Siti\x1bRahayu", "Siti\x7f"):
        with pytest.raises(InvalidProfileData, match="full_name holds a control character"):
            parse_full_name(bad)
    with pytest.raises(InvalidProfileData, match="address holds a control character"):
        parse_address("Jl. Sudirman\x00 1")
    assert parse_address("Jl. Sudirman 1\nJakarta") == "Jl. Sudirman 1\nJakarta"


def test_addresses_are_at_most_500_characters() -> None:
    assert parse_address(" Jl. Sudirman 1, Jakarta ") == "Jl. Sudirman 1, Jakarta"
    with pytest.raises(InvalidProfileData, match="longer than 500"):
        parse_address("a" * 501)


def test_emails_are_stored_lower_case() -> None:
    assert parse_email(" Siti.Rahayu@Example.COM ") == "siti.rahayu@example.com"
    with pytest.raises(InvalidProfileData):
        parse_email("no-at-sign")
