"""The Indonesian carriers the sandbox flies, with the fleets and fare habits that shape offers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Carrier:
    code: str
    name: str
    ticket_prefix: str  # the airline's three-digit accounting code that starts its ticket numbers
    jet_aircraft: tuple[str, ...]
    price_factor: float  # full-service carriers charge more than low-cost ones
    has_business: bool
    checked_bag_kg: int  # free checked baggage in the cheapest economy fare (0: none)
    flight_number_base: int


CARRIERS: dict[str, Carrier] = {
    c.code: c
    for c in (
        Carrier("GA", "Garuda Indonesia", "126", ("738", "330", "32N"), 1.35, True, 20, 100),
        Carrier("QG", "Citilink", "888", ("320", "32N"), 1.0, False, 20, 600),
        Carrier("JT", "Lion Air", "990", ("738", "739"), 0.92, False, 0, 10),
        Carrier("ID", "Batik Air", "938", ("320", "738"), 1.12, True, 20, 6000),
        Carrier("IU", "Super Air Jet", "281", ("320",), 0.86, False, 0, 700),
        Carrier("QZ", "Indonesia AirAsia", "975", ("320",), 0.9, False, 0, 7500),
        Carrier("IW", "Wings Air", "990", ("AT7",), 1.15, False, 10, 1800),
    )
}
# Jet carriers that fly trunk routes; Wings Air (IW) feeds the smaller airports with ATR 72s.
JET_CARRIERS: tuple[str, ...] = ("GA", "QG", "JT", "ID", "IU", "QZ")
FEEDER_CARRIER = "IW"

AIRCRAFT_NAMES: dict[str, str] = {
    "738": "BOEING 737-800",
    "739": "BOEING 737-900",
    "320": "AIRBUS A320",
    "32N": "AIRBUS A320NEO",
    "330": "AIRBUS A330",
    "AT7": "ATR 72",
}
