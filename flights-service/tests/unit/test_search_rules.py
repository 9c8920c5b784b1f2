"""Search criteria rules, filters, sorting and deduplication (pure domain)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest

from domain.errors import InvalidSearch, OfferNotFound, UnknownAirport
from domain.models import CabinClass, Filters, SortKey
from domain.offer_ids import decode_offer_id, encode_offer_id
from domain.rules import apply_filters, build_criteria, check_filters, deduplicate, sort_offers
from tests.fakes import WIB, FakeAirports, make_offer

# 2030-04-30 20:00 UTC is already 2030-05-01 in Jakarta.
NOW = datetime(2030, 4, 30, 20, 0, tzinfo=UTC)


def build(**overrides: object):  # type: ignore[no-untyped-def]
    values: dict[str, object] = {
        "origin": "cgk",
        "destination": "DPS",
        "departure_date": date(2030, 5, 1),
        "return_date": None,
        "adults": 1,
        "children": 0,
        "infants": 0,
        "cabin_class": "economy",
    }
    values.update(overrides)
    return build_criteria(airports=FakeAirports(), now=NOW, **values)  # type: ignore[arg-type]


def messages(exc: InvalidSearch) -> str:
    return " | ".join(f"{p.field}: {p.message}" for p in exc.problems)


def test_valid_search_is_normalised() -> None:
    c = build(cabin_class="Business", return_date=date(2030, 5, 3), adults=2, infants=2)
    assert (c.origin, c.destination, c.cabin_class, c.infants) == ("CGK", "DPS", CabinClass.BUSINESS, 2)


def test_today_is_jakarta_today_not_utc_today() -> None:
    with pytest.raises(InvalidSearch, match="in the past"):
        build(departure_date=date(2030, 4, 30))  # still "today" in UTC, yesterday in Jakarta


def test_unknown_airports_are_named() -> None:
    with pytest.raises(UnknownAirport) as exc:
        build(origin="XXX", destination="YYY")
    assert "'XXX' is not a known airport" in messages(exc.value)
    assert "'YYY'" in messages(exc.value)


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"destination": "CGK"}, "destination", "must be different"),
        ({"return_date": date(2030, 4, 30)}, "return_date", "on or after"),
        ({"adults": 0}, "adults", "between 1 and 9"),
        ({"adults": 10}, "adults", "between 1 and 9"),
        ({"children": 9}, "children", "between 0 and 8"),
        ({"adults": 5, "children": 5}, "children", "at most 9"),
        ({"adults": 1, "infants": 2}, "infants", "number of adults"),
        ({"cabin_class": "luxury"}, "cabin_class", "premium_economy"),
    ],
)
def test_each_broken_rule_is_reported_clearly(overrides: dict[str, object], field: str, text: str) -> None:
    with pytest.raises(InvalidSearch) as exc:
        build(**overrides)
    assert any(p.field == field and text in p.message for p in exc.value.problems), messages(exc.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(InvalidSearch) as exc:
        build(destination="CGK", infants=3, departure_date=date(2020, 1, 1))
    assert {p.field for p in exc.value.problems} == {"destination", "infants", "departure_date"}


def test_filters_by_stops_carriers_time_window_and_price() -> None:
    direct = make_offer(ref="a", price="900000", depart=datetime(2030, 5, 1, 6, 0, tzinfo=WIB))
    one_stop = make_offer(ref="b", price="700000", flights=(("JT", "10"), ("JT", "11")))
    late = make_offer(
        ref="c", price="1500000", flights=(("QG", "5"),), depart=datetime(2030, 5, 1, 21, tzinfo=WIB)
    )
    offers = [direct, one_stop, late]
    assert apply_filters(offers, Filters(max_stops=0)) == [direct, late]
    assert apply_filters(offers, Filters(carriers=frozenset({"JT"}))) == [one_stop]
    assert apply_filters(offers, Filters(depart_after=time(20, 0))) == [late]
    assert apply_filters(offers, Filters(depart_before=time(6, 0))) == [direct, one_stop]
    assert apply_filters(offers, Filters(max_price=Decimal("900000"))) == [direct, one_stop]


def test_contradictory_filters_are_invalid() -> None:
    with pytest.raises(InvalidSearch, match="depart_before"):
        check_filters(Filters(depart_after=time(12), depart_before=time(8)))
    with pytest.raises(InvalidSearch):
        check_filters(Filters(max_stops=-1))


def test_sorting_by_price_duration_and_departure() -> None:
    cheap_long = make_offer(ref="a", price="500000", flights=(("JT", "1"), ("JT", "2")))
    dear_short = make_offer(ref="b", price="2000000", depart=datetime(2030, 5, 1, 5, 0, tzinfo=WIB))
    mid = make_offer(
        ref="c", price="900000", flights=(("QG", "7"),), depart=datetime(2030, 5, 1, 9, tzinfo=WIB)
    )
    offers = [dear_short, mid, cheap_long]
    assert sort_offers(offers, SortKey.PRICE) == [cheap_long, mid, dear_short]
    assert sort_offers(offers, SortKey.DURATION) == [mid, dear_short, cheap_long]
    assert sort_offers(offers, SortKey.DEPARTURE) == [dear_short, cheap_long, mid]


def test_same_flight_from_two_suppliers_is_shown_once_at_the_better_price() -> None:
    amadeus = make_offer(supplier="amadeus", ref="1", price="1200000")
    duffel = make_offer(supplier="duffel", ref="off_1", price="1100000")
    other = make_offer(supplier="duffel", ref="off_2", price="1000000", flights=(("ID", "6500"),))
    assert deduplicate([amadeus, duffel, other]) == [duffel, other]
    assert deduplicate([duffel, amadeus]) == [duffel]


def test_different_departure_is_a_different_flight() -> None:
    a = make_offer(ref="1")
    b = make_offer(ref="2", depart=datetime(2030, 5, 2, 6, 0, tzinfo=WIB))
    assert len(deduplicate([a, b])) == 2


def test_offer_ids_round_trip_and_reject_garbage() -> None:
    ref = decode_offer_id(encode_offer_id("duffel", "off_123"))
    assert (ref.supplier, ref.reference) == ("duffel", "off_123")
    for garbage in ("", "!!!", "bm90IGpzb24", encode_offer_id("x", "y").replace("e", "")):
        with pytest.raises(OfferNotFound):
            decode_offer_id(garbage)
