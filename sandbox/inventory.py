"""The deterministic schedule: which flights fly a leg on a date, at what local times, and which
itineraries (direct, or one stop via a hub) join two airports. Everything is derived from
SANDBOX_SEED by hashing, so the same query gives the same flights in every run."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from airports import (
    BUSY_PAIRS,
    HUBS,
    Airport,
    distance_km,
    feeder_gateways,
    indonesian_airports,
    is_trunk,
)
from carriers import CARRIERS, FEEDER_CARRIER, JET_CARRIERS

MIN_CONNECTION = timedelta(minutes=60)
MAX_CONNECTION = timedelta(hours=6)


def stable_int(*parts: object) -> int:
    """A process-independent hash (Python's hash() is salted per process)."""
    digest = hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "big")


@dataclass(frozen=True)
class Flight:
    """One flight on one date: a leg flown by a carrier under a flight number."""

    carrier: str
    number: str
    origin: Airport
    destination: Airport
    departure_local: datetime  # aware, in the origin's zone
    arrival_local: datetime  # aware, in the destination's zone
    aircraft: str
    distance_km: float
    origin_terminal: str | None
    destination_terminal: str | None

    @property
    def key(self) -> str:
        """carrier+number+date+origin: what names a flight across suppliers."""
        return f"{self.carrier}{self.number}-{self.departure_local.date().isoformat()}-{self.origin.iata}"

    @property
    def duration(self) -> timedelta:
        return self.arrival_local - self.departure_local


@dataclass(frozen=True)
class Itinerary:
    flights: tuple[Flight, ...]

    @property
    def duration(self) -> timedelta:
        return self.flights[-1].arrival_local - self.flights[0].departure_local

    @property
    def key(self) -> str:
        return "+".join(f.key for f in self.flights)


class Inventory:
    """Schedules for every leg and date, generated from SANDBOX_SEED."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.airports = indonesian_airports()

    # --- the network -------------------------------------------------------------------------
    def has_leg(self, a: str, b: str) -> bool:
        if a == b or a not in self.airports or b not in self.airports:
            return False
        if is_trunk(a) and is_trunk(b):
            # Every trunk airport has jets to every hub; other trunk pairs on about a third.
            return a in HUBS or b in HUBS or stable_int(self.seed, "leg", *sorted((a, b))) % 3 == 0
        if not is_trunk(a) and not is_trunk(b):
            return False
        small, big = (a, b) if not is_trunk(a) else (b, a)
        return big in feeder_gateways(small)

    def leg_carriers(self, a: str, b: str) -> list[str]:
        pair = tuple(sorted((a, b)))
        if not (is_trunk(a) and is_trunk(b)):
            return [FEEDER_CARRIER]
        rng = random.Random(stable_int(self.seed, "carriers", *pair))
        count = len(JET_CARRIERS) if frozenset(pair) in BUSY_PAIRS else rng.randint(2, 4)
        return sorted(rng.sample(JET_CARRIERS, count))

    # --- flights on a leg --------------------------------------------------------------------
    @lru_cache(maxsize=4096)  # noqa: B019 - bounded; the inventory lives as long as the app
    def flights(self, a: str, b: str, day: date) -> tuple[Flight, ...]:
        if not self.has_leg(a, b):
            return ()
        origin, dest = self.airports[a], self.airports[b]
        dist = distance_km(origin, dest)
        busy = frozenset((a, b)) in BUSY_PAIRS
        out: list[Flight] = []
        for carrier_code in self.leg_carriers(a, b):
            carrier = CARRIERS[carrier_code]
            # The timetable (numbers, times, aircraft) is the same every day, as real ones are.
            rng = random.Random(stable_int(self.seed, "timetable", carrier_code, a, b))
            frequency = (
                rng.randint(2, 4) if busy else (1 if carrier_code == FEEDER_CARRIER else rng.randint(1, 2))
            )
            slots = sorted(rng.sample(range(5 * 4, 21 * 4), frequency))  # quarter hours, 05:00-21:00
            aircraft = rng.choice(carrier.jet_aircraft)
            if aircraft == "330" and dist < 900:
                aircraft = carrier.jet_aircraft[0]
            base_number = carrier.flight_number_base + stable_int(self.seed, "fn", carrier_code, a, b) % 400
            block = timedelta(minutes=_block_minutes(dist, aircraft))
            for i, slot in enumerate(slots):
                dep = datetime.combine(day, time(slot // 4, (slot % 4) * 15), tzinfo=origin.zone)
                arr = (dep.astimezone(UTC) + block).astimezone(dest.zone)
                out.append(
                    Flight(
                        carrier=carrier_code,
                        number=str(base_number + 2 * i),
                        origin=origin,
                        destination=dest,
                        departure_local=dep,
                        arrival_local=arr,
                        aircraft=aircraft,
                        distance_km=dist,
                        origin_terminal=_terminal(a, carrier_code),
                        destination_terminal=_terminal(b, carrier_code),
                    )
                )
        out.sort(key=lambda f: (f.departure_local, f.carrier, f.number))
        return tuple(out)

    def find_flight(
        self, carrier: str, number: str, origin: str, destination: str, day: date
    ) -> Flight | None:
        for flight in self.flights(origin, destination, day):
            if flight.carrier == carrier and flight.number == number:
                return flight
        return None

    # --- itineraries -------------------------------------------------------------------------
    def itineraries(self, a: str, b: str, day: date, max_connections: int = 1) -> list[Itinerary]:
        direct = [Itinerary((f,)) for f in self.flights(a, b, day)]
        if max_connections < 1:
            return direct
        via: list[Itinerary] = []
        connection_points = [*HUBS, *self._gateways(a), *self._gateways(b)]
        for hub in dict.fromkeys(connection_points):
            if hub in (a, b) or not self.has_leg(a, hub) or not self.has_leg(hub, b):
                continue
            # Busy direct routes get few connections; others get more.
            per_hub = 1 if direct else 3
            found = 0
            for first in self.flights(a, hub, day):
                for second in self._onward(hub, b, first):
                    via.append(Itinerary((first, second)))
                    found += 1
                    break
                if found >= per_hub:
                    break
        return direct + via

    def _gateways(self, code: str) -> tuple[str, ...]:
        return () if is_trunk(code) or code not in self.airports else feeder_gateways(code)

    def _onward(self, hub: str, b: str, first: Flight) -> list[Flight]:
        ready = first.arrival_local + MIN_CONNECTION
        latest = first.arrival_local + MAX_CONNECTION
        candidates = [
            *self.flights(hub, b, first.arrival_local.date()),
            *self.flights(hub, b, first.arrival_local.date() + timedelta(days=1)),
        ]
        return [f for f in candidates if ready <= f.departure_local <= latest]


def _block_minutes(dist_km: float, aircraft: str) -> int:
    speed = 420 if aircraft == "AT7" else 780  # km/h, gate to gate average
    minutes = 35 + dist_km / speed * 60
    return int(round(minutes / 5) * 5)


def _terminal(code: str, carrier: str) -> str | None:
    # Soekarno-Hatta's terminals by carrier group; other airports have one terminal for domestic.
    if code == "CGK":
        return {"GA": "3", "QG": "1", "JT": "1", "ID": "2", "IU": "1", "QZ": "2", "IW": "1"}[carrier]
    if code in ("SUB", "DPS"):
        return "1" if code == "SUB" else "D"
    return None
