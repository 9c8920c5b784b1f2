"""The ferry timetable and what is left on each sailing.

Sailings are derived from SANDBOX_SEED and the date (a crossing sails round the clock, one departure
every `every_minutes`), so the same query gives the same sailings in every run. Each sailing has
passenger seats and vehicle deck space in lane metres; both are taken by holds and given back
when a hold lapses or is cancelled. A few sailings are cancelled by the operator for weather."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from ferry_network import CROSSINGS, Crossing, ServiceClass
from inventory import stable_int

CLASS_CODES = {"regular": "REG", "executive": "EXE"}
WEATHER_CANCELLED_SHARE = 0.02


@dataclass(frozen=True)
class Sailing:
    id: str
    crossing: Crossing
    service: ServiceClass
    departure: datetime  # aware, the origin port's zone
    arrival: datetime  # aware, the destination port's zone
    vessel: str


def sailing_id(crossing: Crossing, service: ServiceClass, departure: datetime) -> str:
    return f"{crossing.code}-{departure:%Y%m%d-%H%M}-{CLASS_CODES[service.name]}"


def sailings_on(crossing: Crossing, day: date, seed: int) -> list[Sailing]:
    """Every sailing of a crossing leaving on a local date, earliest first."""
    out: list[Sailing] = []
    zone = crossing.origin.zone
    for service in crossing.classes:
        minute = service.first_departure_minute
        while minute < 24 * 60:
            departure = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=zone)
            vessel_index = stable_int(seed, crossing.code, service.name, day, minute) % len(service.vessels)
            arrival = (departure + timedelta(minutes=service.duration_minutes)).astimezone(
                crossing.destination.zone
            )
            out.append(
                Sailing(
                    id=sailing_id(crossing, service, departure),
                    crossing=crossing,
                    service=service,
                    departure=departure,
                    arrival=arrival,
                    vessel=service.vessels[vessel_index],
                )
            )
            minute += service.every_minutes
    out.sort(key=lambda s: (s.departure, s.service.name))
    return out


def find_sailing(sailing_id_: str, seed: int) -> Sailing | None:
    """The sailing an id names, or None when the id names nothing the timetable has."""
    try:
        code, day_text, _, _ = sailing_id_.split("-")
        day = datetime.strptime(day_text, "%Y%m%d").date()
    except ValueError:
        return None
    found = CROSSINGS.get(code)
    if found is None:
        return None
    for sailing in sailings_on(found, day, seed):
        if sailing.id == sailing_id_:
            return sailing
    return None


def weather_cancelled(sailing: Sailing, seed: int) -> bool:
    """Roughly one sailing in fifty is cancelled by the harbour master for high waves."""
    return random.Random(stable_int(seed, "weather", sailing.id)).random() < WEATHER_CANCELLED_SHARE


@dataclass
class Space:
    seats: int
    lane_meters: Decimal


class Deck:
    """Seats and lane metres left per sailing, created lazily from SANDBOX_SEED (between a third and
    all of a vessel's capacity is still for sale)."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._left: dict[str, Space] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def left(self, sailing: Sailing) -> Space:
        space = self._left.get(sailing.id)
        if space is None:
            share = 0.35 + 0.65 * random.Random(stable_int(self.seed, "deck", sailing.id)).random()
            space = Space(
                seats=int(sailing.service.seats * share),
                lane_meters=Decimal(int(sailing.service.lane_meters * share)),
            )
            self._left[sailing.id] = space
        return space

    def set_left(self, sailing: Sailing, seats: int, lane_meters: Decimal) -> Space:
        self._left[sailing.id] = Space(seats, lane_meters)
        return self._left[sailing.id]

    async def take(self, sailing: Sailing, seats: int, lane_meters: Decimal) -> bool:
        """Takes both or neither. One lock per sailing, so two holds racing for the last space are
        serialised and exactly one wins."""
        lock = self._locks.setdefault(sailing.id, asyncio.Lock())
        async with lock:
            space = self.left(sailing)
            if space.seats < seats or space.lane_meters < lane_meters:
                return False
            space.seats -= seats
            space.lane_meters -= lane_meters
            return True

    def give_back(self, sailing: Sailing, seats: int, lane_meters: Decimal) -> None:
        space = self.left(sailing)
        space.seats += seats
        space.lane_meters += lane_meters
