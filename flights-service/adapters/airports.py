"""AirportDirectory over the maintained `airportsdata` dataset (IATA codes with IANA timezones)."""

from __future__ import annotations

import airportsdata

from domain.models import Airport

HOME_COUNTRY = "ID"


class AirportsDataDirectory:
    """Loaded once (about 0.1 s) when the app starts; lookups are in memory."""

    def __init__(self) -> None:
        raw = airportsdata.load("IATA")
        self._by_code = {
            code: Airport(
                iata=code,
                name=entry["name"],
                city=entry["city"],
                country=entry["country"],
                timezone=entry["tz"],
            )
            for code, entry in raw.items()
            if len(code) == 3 and entry.get("tz")
        }

    def get(self, iata: str) -> Airport | None:
        return self._by_code.get(iata.strip().upper())

    def search(self, query: str, limit: int) -> list[Airport]:
        """Autocomplete: an exact code first, then Indonesian airports before the rest, each by
        how well they match (code prefix, city prefix, city or name containing the query)."""
        q = query.strip().lower()
        if not q:
            return []
        ranked: list[tuple[int, int, int, str, Airport]] = []
        for airport in self._by_code.values():
            code, city, name = airport.iata.lower(), airport.city.lower(), airport.name.lower()
            if code == q:
                quality = 0
            elif code.startswith(q):
                quality = 1
            elif city.startswith(q):
                quality = 2
            elif name.startswith(q) or q in city:
                quality = 3
            elif q in name:
                quality = 4
            else:
                continue
            exact = 0 if quality == 0 else 1
            foreign = 0 if airport.country == HOME_COUNTRY else 1
            ranked.append((exact, foreign, quality, airport.city, airport))
        ranked.sort(key=lambda r: r[:4])
        return [r[4] for r in ranked[:limit]]
