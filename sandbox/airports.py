"""Indonesian airports from the `airportsdata` dataset (country ID), with their time zones,
and the network roles the generator gives them (hubs, trunk airports, feeders)."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import airportsdata

# The four hubs one-stop itineraries connect through.
HUBS: tuple[str, ...] = ("CGK", "SUB", "UPG", "DPS")
# Airports with jet service between each other (the rest are fed by turboprops from the nearest
# trunk airport). Only codes present in the dataset are used.
TRUNK_CODES: tuple[str, ...] = (
    "CGK", "SUB", "DPS", "UPG", "KNO", "BPN", "YIA", "LOP", "PLM", "PKU", "BTH", "PNK", "BDJ", "MDC",
    "SRG", "PDG", "BTJ", "TKG", "SOC", "DJJ", "AMQ", "KOE", "LBJ", "KDI", "PLW", "GTO", "TRK", "SOQ",
    "TTE", "PGK", "BKS", "DTB", "BIK", "MKQ", "HLP", "TNJ", "JOG", "BDO",
)  # fmt: skip
# City pairs busy enough that every carrier flies them several times a day.
BUSY_PAIRS: frozenset[frozenset[str]] = frozenset(
    frozenset(p)
    for p in [
        ("CGK", "DPS"), ("CGK", "SUB"), ("CGK", "KNO"), ("CGK", "UPG"), ("CGK", "BPN"), ("CGK", "YIA"),
        ("CGK", "PLM"), ("CGK", "PKU"), ("CGK", "BTH"), ("CGK", "PNK"), ("SUB", "DPS"), ("SUB", "UPG"),
        ("SUB", "BPN"), ("DPS", "UPG"), ("CGK", "LOP"), ("CGK", "PDG"), ("KNO", "BTH"),
    ]
)  # fmt: skip


@dataclass(frozen=True)
class Airport:
    iata: str
    icao: str
    name: str
    city: str
    tz: str
    lat: float
    lon: float

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.tz)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@cache
def indonesian_airports() -> dict[str, Airport]:
    """Every airport in the dataset with country ID and an IATA code, keyed by that code."""
    # What `airportsdata.load("IATA")` gives (a later row of a code replaces an earlier one in
    # place; no code, no entry), read a row at a time: the whole dataset as dicts would be garbage
    # once the ~170 kept, and its freed memory would stay mapped (~4 MiB) for the process's life.
    found: dict[str, Airport | None] = {}
    with (Path(airportsdata.__file__).parent / "airports.csv").open(encoding="utf8") as f:
        for row in csv.DictReader(f, quoting=csv.QUOTE_NONNUMERIC):
            code = row["iata"]
            if not code:
                continue
            found[code] = (
                Airport(
                    iata=code,
                    icao=row.get("icao") or "",
                    name=row["name"],
                    city=row["city"],
                    tz=row["tz"],
                    lat=float(row["lat"]),
                    lon=float(row["lon"]),
                )
                if row["country"] == "ID" and row.get("tz")
                else None
            )
    return {code: airport for code, airport in found.items() if airport}


@cache
def trunk_airports() -> tuple[str, ...]:
    known = indonesian_airports()
    return tuple(code for code in TRUNK_CODES if code in known)


def is_trunk(code: str) -> bool:
    return code in trunk_airports()


def distance_km(a: Airport, b: Airport) -> float:
    """Great-circle distance (haversine)."""
    r = 6371.0
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))


@cache
def feeder_gateways(code: str) -> tuple[str, ...]:
    """A non-trunk airport is served from its nearest trunk airport and its nearest hub."""
    airports = indonesian_airports()
    here = airports[code]
    nearest_trunk = min(trunk_airports(), key=lambda t: distance_km(here, airports[t]))
    nearest_hub = min(HUBS, key=lambda t: distance_km(here, airports[t]))
    return tuple(dict.fromkeys((nearest_trunk, nearest_hub)))
