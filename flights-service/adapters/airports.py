"""AirportDirectory over the maintained `airportsdata` dataset (IATA codes with IANA timezones)."""

from __future__ import annotations

import csv
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

import airportsdata

from domain.models import Airport

HOME_COUNTRY = "ID"
# Joins the lowercased cities (or names) of the foreign airports into one text searched at C
# speed; no field contains it, so a match never spans two airports.
_SEPARATOR = "\x00"


@dataclass(frozen=True, slots=True)
class _Entry:
    code: str  # lowercased, like city and name: what a query is matched against
    city: str
    name: str
    order: int  # the dataset's order, the last tie-break
    airport: Airport

    @property
    def rank(self) -> tuple[str, int]:
        return self.airport.city, self.order


def _quality(entry: _Entry, q: str) -> int | None:
    """How well an airport matches: 0 its code, 1 a code prefix, 2 a city prefix, 3 a name prefix
    or within the city, 4 within the name; None not at all."""
    if entry.code == q:
        return 0
    if entry.code.startswith(q):
        return 1
    if entry.city.startswith(q):
        return 2
    if entry.name.startswith(q) or q in entry.city:
        return 3
    if q in entry.name:
        return 4
    return None


class _SortedKeys:
    """Entries sorted by one key: those whose key starts with a prefix, by bisection."""

    def __init__(self, entries: list[_Entry], key: str) -> None:
        pairs = sorted(((getattr(e, key), i) for i, e in enumerate(entries)), key=lambda p: p[0])
        self._keys = [k for k, _ in pairs]
        self._entries = [entries[i] for _, i in pairs]

    def starting_with(self, prefix: str) -> Iterator[_Entry]:
        index = bisect_left(self._keys, prefix)
        while index < len(self._keys) and self._keys[index].startswith(prefix):
            yield self._entries[index]
            index += 1


class _Text:
    """One field of many entries joined into one string: the entries containing a substring."""

    def __init__(self, entries: list[_Entry], field: str) -> None:
        values = [getattr(e, field) for e in entries]
        # Machine integers, not a list of int objects: 8 bytes an entry instead of 36.
        self._starts = array("q")
        offset = 0
        for value in values:
            self._starts.append(offset)
            offset += len(value) + 1
        self._text = _SEPARATOR.join(values)
        self._entries = entries

    def containing(self, fragment: str) -> Iterator[_Entry]:
        found = self._text.find(fragment)
        while found != -1:
            index = bisect_right(self._starts, found) - 1
            yield self._entries[index]
            following = index + 1
            if following == len(self._starts):
                return
            found = self._text.find(fragment, self._starts[following])


def _load_airports() -> dict[str, Airport]:
    """Every airport with a 3-letter IATA code and a time zone, in the dataset's order.

    What `airportsdata.load("IATA")` gives (its own reading of its CSV: a later row of a code
    replaces an earlier one in place; no code, no entry), read a row at a time: the whole dataset
    as dicts of every column would be garbage once indexed, and its freed memory stays mapped
    between the kept objects (~4 MiB more resident for the process's life)."""
    found: dict[str, Airport | None] = {}
    with (Path(airportsdata.__file__).parent / "airports.csv").open(encoding="utf8") as f:
        for row in csv.DictReader(f, quoting=csv.QUOTE_NONNUMERIC):
            code = row["iata"]
            # A few hundred countries and time zones, shared rather than held once per airport.
            found[code] = (
                Airport(
                    iata=code,
                    name=row["name"],
                    city=row["city"],
                    country=sys.intern(row["country"]),
                    timezone=sys.intern(row["tz"]),
                )
                if len(code) == 3 and row.get("tz")
                else None
            )
    return {code: airport for code, airport in found.items() if airport}


class AirportsDataDirectory:
    """Loaded and indexed once when the app starts; lookups are in memory.

    The autocomplete never scans the whole list: an exact code is one dictionary look-up, the
    Indonesian airports (a few hundred) are ranked directly, and the rest only as far as the
    limit needs, by bisection on sorted codes and cities and a substring search of one text of
    all their cities or names.
    """

    def __init__(self) -> None:
        self._by_code = _load_airports()
        entries = [
            _Entry(a.iata.lower(), a.city.lower(), a.name.lower(), order, a)
            for order, a in enumerate(self._by_code.values())
            if _SEPARATOR not in a.city + a.name
        ]
        # Lowercased codes are unique but for codes differing only in case: one entry per code,
        # the rare others aside, instead of a list for every code.
        self._exact: dict[str, _Entry] = {}
        self._exact_more: dict[str, list[_Entry]] = {}
        for entry in entries:
            if self._exact.setdefault(entry.code, entry) is not entry:
                self._exact_more.setdefault(entry.code, []).append(entry)
        self._domestic = [e for e in entries if e.airport.country == HOME_COUNTRY]
        foreign = [e for e in entries if e.airport.country != HOME_COUNTRY]
        self._foreign_codes = _SortedKeys(foreign, "code")
        self._foreign_cities = _SortedKeys(foreign, "city")
        self._foreign_names = _SortedKeys(foreign, "name")
        self._foreign_city_text = _Text(foreign, "city")
        self._foreign_name_text = _Text(foreign, "name")

    def get(self, iata: str) -> Airport | None:
        return self._by_code.get(iata.strip().upper())

    def search(self, query: str, limit: int) -> list[Airport]:
        """Autocomplete: an exact code first, then Indonesian airports before the rest, each by
        how well they match (code prefix, city prefix, city or name containing the query), then
        by city."""
        q = query.strip().lower()
        if not q or limit < 1 or _SEPARATOR in q:
            return []
        first = self._exact.get(q)
        exact = [first, *self._exact_more.get(q, ())] if first else []
        found = [e.airport for e in sorted(exact, key=lambda e: (e.airport.country != HOME_COUNTRY, *e.rank))]
        found += self._ranked(self._domestic, q)
        # Foreign airports by quality, each quality complete before the next is looked at, and
        # none looked at once the limit is reached.
        tiers: tuple[tuple[int, Callable[[], Iterable[_Entry]]], ...] = (
            (1, lambda: self._foreign_codes.starting_with(q)),
            (2, lambda: self._foreign_cities.starting_with(q)),
            (3, lambda: chain(self._foreign_names.starting_with(q), self._foreign_city_text.containing(q))),
            (4, lambda: self._foreign_name_text.containing(q)),
        )
        for quality, candidates in tiers:
            if len(found) >= limit:
                break
            tier = {e.order: e for e in candidates() if _quality(e, q) == quality}
            found += [e.airport for e in sorted(tier.values(), key=lambda e: e.rank)]
        return found[:limit]

    @staticmethod
    def _ranked(entries: list[_Entry], q: str) -> list[Airport]:
        ranked: list[tuple[int, str, int, Airport]] = []
        for entry in entries:
            quality = _quality(entry, q)
            if quality:  # not None, and not the exact code (listed first already)
                ranked.append((quality, *entry.rank, entry.airport))
        ranked.sort(key=lambda r: r[:3])
        return [r[3] for r in ranked]
