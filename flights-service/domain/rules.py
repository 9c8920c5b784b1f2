"""Search rules: criteria validation, filters, sorting and cross-supplier deduplication."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.errors import FieldProblem, InvalidSearch, UnknownAirport, unknown_airport_problem
from domain.models import CabinClass, Filters, Offer, SearchCriteria, SortKey
from domain.repository import AirportDirectory

JAKARTA = ZoneInfo("Asia/Jakarta")
MAX_SEATED = 9  # adults + children per booking


def today_in_jakarta(now: datetime) -> date:
    return now.astimezone(JAKARTA).date()


def build_criteria(
    *,
    origin: str,
    destination: str,
    departure_date: date,
    return_date: date | None,
    adults: int,
    children: int,
    infants: int,
    cabin_class: str,
    airports: AirportDirectory,
    now: datetime,
) -> SearchCriteria:
    """Normalises and checks a search; every broken rule is reported at once (InvalidSearch)."""
    origin, destination = origin.strip().upper(), destination.strip().upper()
    problems: list[FieldProblem] = []
    for name, code in (("origin", origin), ("destination", destination)):
        if airports.get(code) is None:
            problems.append(unknown_airport_problem(name, code))
    if origin == destination:
        problems.append(FieldProblem("destination", "Origin and destination must be different airports."))
    today = today_in_jakarta(now)
    if departure_date < today:
        problems.append(
            FieldProblem(
                "departure_date", f"departure_date {departure_date} is in the past (today is {today})."
            )
        )
    if return_date is not None and return_date < departure_date:
        problems.append(FieldProblem("return_date", "return_date must be on or after departure_date."))
    if not 1 <= adults <= MAX_SEATED:
        problems.append(FieldProblem("adults", f"adults must be between 1 and {MAX_SEATED}."))
    if not 0 <= children <= MAX_SEATED - 1:
        problems.append(FieldProblem("children", f"children must be between 0 and {MAX_SEATED - 1}."))
    if adults + children > MAX_SEATED:
        problems.append(FieldProblem("children", f"adults + children must be at most {MAX_SEATED}."))
    if infants < 0 or infants > adults:
        problems.append(
            FieldProblem("infants", "infants must be between 0 and the number of adults (one lap each).")
        )
    try:
        cabin = CabinClass(cabin_class.strip().lower())
    except ValueError:
        cabin = CabinClass.ECONOMY
        allowed = ", ".join(c.value for c in CabinClass)
        problems.append(FieldProblem("cabin_class", f"cabin_class must be one of {allowed}."))
    if problems:
        airport_only = all(p.message.endswith("known airport IATA code.") for p in problems)
        raise UnknownAirport(problems) if airport_only else InvalidSearch(problems)
    return SearchCriteria(
        origin=origin,
        destination=destination,
        departure_date=departure_date,
        return_date=return_date,
        adults=adults,
        children=children,
        infants=infants,
        cabin_class=cabin,
    )


def check_filters(filters: Filters) -> None:
    problems: list[FieldProblem] = []
    if filters.max_stops is not None and filters.max_stops < 0:
        problems.append(FieldProblem("max_stops", "max_stops must be 0 or more."))
    if filters.max_price is not None and filters.max_price <= 0:
        problems.append(FieldProblem("max_price", "max_price must be positive."))
    if (
        filters.depart_after is not None
        and filters.depart_before is not None
        and filters.depart_after > filters.depart_before
    ):
        problems.append(FieldProblem("depart_before", "depart_before must not be earlier than depart_after."))
    if problems:
        raise InvalidSearch(problems)


def matches(offer: Offer, filters: Filters) -> bool:
    if filters.max_stops is not None and offer.stops > filters.max_stops:
        return False
    if filters.carriers and not offer.carriers <= filters.carriers:
        return False
    local_departure = offer.departure_at.time()  # local time at the origin airport
    if filters.depart_after is not None and local_departure < filters.depart_after:
        return False
    if filters.depart_before is not None and local_departure > filters.depart_before:
        return False
    return filters.max_price is None or offer.total_price <= filters.max_price


def apply_filters(offers: Iterable[Offer], filters: Filters) -> list[Offer]:
    return [o for o in offers if matches(o, filters)]


def sort_offers(offers: Iterable[Offer], key: SortKey) -> list[Offer]:
    if key is SortKey.DURATION:
        return sorted(offers, key=lambda o: (o.duration_minutes, o.total_price, o.departure_at))
    if key is SortKey.DEPARTURE:
        return sorted(offers, key=lambda o: (o.departure_at, o.total_price))
    return sorted(offers, key=lambda o: (o.total_price, o.duration_minutes, o.departure_at))


def deduplicate(offers: Iterable[Offer]) -> list[Offer]:
    """The same flights (every segment's carrier, number and departure) from two suppliers, or
    twice from one, are shown once: the cheaper offer wins, the first seen on a tie."""
    best: dict[tuple[object, ...], Offer] = {}
    for offer in offers:
        key = (offer.flight_key(), offer.cabin_class)
        kept = best.get(key)
        if kept is None or offer.total_price < kept.total_price:
            best[key] = offer
    return list(best.values())
