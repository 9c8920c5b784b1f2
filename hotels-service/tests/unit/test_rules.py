"""The hotels domain's rules without I/O: searches, guest details, the transition table, policy
words and the voucher."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from domain.bookings import check_guest_details
from domain.errors import InvalidBooking, InvalidSearch
from domain.models import CancellationPolicy
from domain.search_rules import check_search
from domain.vouchers import local_moment, policy_in_words, rupiah

TODAY = date(2026, 12, 4)
WITA = timezone(timedelta(hours=8))
WIB = timezone(timedelta(hours=7))


def fields_of(exc: InvalidSearch | InvalidBooking) -> set[str]:
    return {p.field for p in exc.problems}


def test_a_valid_search_is_normalised() -> None:
    criteria = check_search("dps-4", date(2026, 12, 20), date(2026, 12, 22), 2, 1, [7], 1, TODAY)
    assert criteria.destination == "DPS-4"
    assert criteria.stay.nights == 2
    assert criteria.occupancy.child_ages == (7,)


def test_every_broken_search_rule_is_reported_at_once() -> None:
    with pytest.raises(InvalidSearch) as caught:
        check_search("DPS", date(2026, 12, 1), date(2026, 11, 30), 1, 2, [18], 2, TODAY)
    assert fields_of(caught.value) == {"check_in", "check_out", "adults", "child_ages", "child_ages.0"}


def test_thirty_nights_is_the_longest_stay() -> None:
    check_search("DPS", date(2027, 1, 1), date(2027, 1, 31), 2, 0, [], 1, TODAY)
    with pytest.raises(InvalidSearch) as caught:
        check_search("DPS", date(2027, 1, 1), date(2027, 2, 1), 2, 0, [], 1, TODAY)
    assert fields_of(caught.value) == {"check_out"}


def test_occupancy_limits_per_room() -> None:
    with pytest.raises(InvalidSearch) as caught:
        check_search("DPS", date(2027, 1, 1), date(2027, 1, 2), 5, 4, [1, 2, 3, 4], 1, TODAY)
    assert fields_of(caught.value) == {"adults", "children"}


def test_guest_details_are_cleaned_and_the_phone_is_e164() -> None:
    details = check_guest_details(
        {
            "guests": [{"first_name": "  SITI ", "last_name": "rahayu"}],
            "contact": {"email": "Siti@Example.co.id", "phone": "0812-3456-7890"},
            "special_requests": "  twin   beds ",
        },
        rooms=1,
    )
    assert details.guests[0].first_name == "Siti"
    assert details.guests[0].last_name == "Rahayu"
    assert details.contact.phone == "+6281234567890"
    assert details.contact.email == "siti@example.co.id"
    assert details.special_requests == "twin beds"


def test_guest_details_report_every_broken_rule() -> None:
    with pytest.raises(InvalidBooking) as caught:
        check_guest_details(
            {"guests": [{"first_name": "", "last_name": "R4hayu"}], "contact": {"email": "x", "phone": ""}},
            rooms=2,
        )
    assert fields_of(caught.value) == {
        "guests",
        "guests.0.first_name",
        "guests.0.last_name",
        "contact.email",
        "contact.phone",
    }


def test_policies_in_plain_words_in_the_hotels_local_time() -> None:
    total = Decimal("3300000.00")
    policies = [
        CancellationPolicy(datetime.combine(date(2026, 12, 16), time(23, 59), WITA), Decimal("1650000.00")),
        CancellationPolicy(datetime.combine(date(2026, 12, 19), time(23, 59), WITA), total),
    ]
    assert policy_in_words(policies, total) == (
        "Free cancellation until 16 Dec 2026 23:59 WITA. "
        "From 16 Dec 2026 23:59 WITA cancelling costs Rp1.650.000. "
        "From 19 Dec 2026 23:59 WITA cancelling costs the full amount."
    )
    non_refundable = [CancellationPolicy(datetime(2026, 12, 4, 11, 0, tzinfo=WITA), total)]
    assert policy_in_words(non_refundable, total) == "Non-refundable: cancelling refunds nothing."


def test_local_moments_name_the_indonesian_zone() -> None:
    assert local_moment(datetime(2027, 7, 1, 14, 0, tzinfo=WIB)) == "1 Jul 2027 14:00 WIB"
    assert rupiah(Decimal("1250000")) == "Rp1.250.000"
