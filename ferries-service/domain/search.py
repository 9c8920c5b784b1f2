"""Ferry search: the rules a search must meet (known ports, a route between them, a date inside
the sales window, a party that can travel, a golongan that exists), and the cached search itself.

Sales open 60 days ahead (the operator's window) on the origin port's local calendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.errors import FieldProblem, InvalidSearch
from domain.models import (
    SERVICE_CLASSES,
    VEHICLE_CLASSES,
    Offer,
    Party,
    Port,
    Route,
    SearchCriteria,
    SearchResult,
)
from domain.offer_ids import encode_offer_id
from domain.repository import Clock, FerryOperator, OfferCache

SALES_WINDOW_DAYS = 60
MAX_PASSENGERS = 20


class Catalogue:
    """Ports and routes as the operator publishes them, remembered for a while (they change
    with a timetable season, not by the minute)."""

    def __init__(self, operator: FerryOperator, clock: Clock, ttl: timedelta = timedelta(hours=1)) -> None:
        self._operator = operator
        self._clock = clock
        self._ttl = ttl
        self._loaded_at: datetime | None = None
        self._ports: dict[str, Port] = {}
        # What `ports(q)` matches against, folded once per load rather than per keystroke.
        self._port_texts: list[tuple[str, str, Port]] = []
        self._routes: list[Route] = []

    async def _load(self) -> None:
        now = self._clock()
        if self._loaded_at is None or now - self._loaded_at >= self._ttl:
            ports, routes = await self._operator.ports(), await self._operator.routes()
            self._ports = {p.code: p for p in ports}
            self._port_texts = [
                (f"{p.code} {p.name} {p.city}".casefold(), p.code.casefold(), p) for p in self._ports.values()
            ]
            self._routes = routes
            self._loaded_at = now

    def loaded_ports(self) -> object | None:
        """What `ports(q)` answers from as it is now: another object after every load, None when a
        load is due (which only `ports` and the other reads do). An answer made from it stays right
        for as long as it is the one returned."""
        if self._loaded_at is None or self._clock() - self._loaded_at >= self._ttl:
            return None
        return self._port_texts

    async def ports(self, q: str | None = None, limit: int = 50) -> list[Port]:
        """Ports whose code, name or city contains `q`; an exact code first."""
        await self._load()
        if not q:
            return list(self._ports.values())[:limit]
        needle = q.strip().casefold()
        matches = [(code != needle, p.name, p) for text, code, p in self._port_texts if needle in text]
        matches.sort(key=lambda m: m[:2])
        return [p for _, _, p in matches[:limit]]

    async def port(self, code: str) -> Port | None:
        await self._load()
        return self._ports.get(code)

    async def routes(self) -> list[Route]:
        await self._load()
        return list(self._routes)

    async def route(self, origin: str, destination: str) -> Route | None:
        await self._load()
        return next((r for r in self._routes if (r.origin, r.destination) == (origin, destination)), None)


async def build_criteria(
    catalogue: Catalogue,
    now: datetime,
    *,
    origin: str,
    destination: str,
    departure_date: date,
    adults: int,
    children: int,
    infants: int,
    vehicle_class: str | None,
    service_class: str | None,
) -> SearchCriteria:
    """The search, checked; InvalidSearch lists every broken rule at once."""
    problems: list[FieldProblem] = []
    origin, destination = origin.strip().upper(), destination.strip().upper()
    ports = {
        name: await catalogue.port(code) for name, code in (("origin", origin), ("destination", destination))
    }
    for name, port in ports.items():
        if port is None:
            problems.append(
                FieldProblem(
                    name, f"{(origin if name == 'origin' else destination)!r} is not a known port code."
                )
            )
    route = await catalogue.route(origin, destination)
    if route is None and all(ports.values()):
        problems.append(FieldProblem("destination", f"No ferry route from {origin} to {destination}."))
    origin_port = ports["origin"]
    zone = ZoneInfo(origin_port.timezone if origin_port else "Asia/Jakarta")
    today = now.astimezone(zone).date()
    if departure_date < today:
        problems.append(FieldProblem("departure_date", "The departure date is in the past."))
    elif departure_date > today + timedelta(days=SALES_WINDOW_DAYS):
        problems.append(
            FieldProblem("departure_date", f"Tickets are sold at most {SALES_WINDOW_DAYS} days ahead.")
        )
    if adults < 1:
        problems.append(FieldProblem("adults", "At least one adult travels."))
    if children < 0:
        problems.append(FieldProblem("children", "children cannot be negative."))
    if infants < 0:
        problems.append(FieldProblem("infants", "infants cannot be negative."))
    elif infants > adults:
        problems.append(
            FieldProblem("infants", "Each infant travels on an adult's lap: at most one per adult.")
        )
    if adults + children + infants > MAX_PASSENGERS:
        problems.append(FieldProblem("adults", f"At most {MAX_PASSENGERS} passengers per booking."))
    vehicle = vehicle_class.strip().upper() if vehicle_class else None
    if vehicle is not None and vehicle not in VEHICLE_CLASSES:
        problems.append(
            FieldProblem(
                "vehicle_class", f"{vehicle_class!r} is not a golongan ({', '.join(VEHICLE_CLASSES)})."
            )
        )
    service = service_class.strip().lower() if service_class else None
    if service is not None:
        if service not in SERVICE_CLASSES:
            problems.append(FieldProblem("service_class", f"{service_class!r} is not regular or executive."))
        elif route is not None and service not in {s.name for s in route.services}:
            problems.append(
                FieldProblem("service_class", f"No {service} service from {origin} to {destination}.")
            )
    if problems:
        raise InvalidSearch(problems)
    return SearchCriteria(
        origin, destination, departure_date, Party(adults, children, infants), vehicle, service
    )


class FerrySearch:
    """Sailings for a party from the operator, as offers: cancelled sailings and those the party
    (or its vehicle) no longer fits are left out. A repeated search within the TTL is served from
    the cache, and every offer is cached by its id for the hold."""

    def __init__(self, operator: FerryOperator, cache: OfferCache, *, ttl_seconds: float) -> None:
        self._operator = operator
        self._cache = cache
        self._ttl = ttl_seconds

    async def search(self, criteria: SearchCriteria) -> SearchResult:
        cached = await self._cache.get_search(criteria)
        if cached is not None:
            return replace(cached, cached=True)
        sailings = await self._operator.sailings(criteria)
        offers = tuple(
            Offer(
                encode_offer_id(s.sailing_id, criteria.party, criteria.vehicle_class),
                s,
                criteria.party,
                criteria.vehicle_class,
            )
            for s in sailings
            if s.bookable
        )
        result = SearchResult(criteria, offers)
        await self._cache.put_search(result, self._ttl)
        return result
