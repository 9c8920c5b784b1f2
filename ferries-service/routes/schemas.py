"""Response bodies of the public routes: ports, routes and offers (the booking contract's bodies are
every product's: shared.booking_api). Money is a decimal string with two places; local times carry
their offset."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from domain.models import VEHICLE_CLASSES, FareLine, Offer, Port, Route, SearchResult


def money(value: Decimal) -> str:
    return f"{value:.2f}"


class PortOut(BaseModel):
    code: str
    name: str
    city: str
    province: str
    timezone: str = Field(
        description="IANA zone: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT)"
    )

    @classmethod
    def of(cls, p: Port) -> PortOut:
        return cls(code=p.code, name=p.name, city=p.city, province=p.province, timezone=p.timezone)


class ServiceClassOut(BaseModel):
    service_class: str = Field(description="regular | executive")
    duration_minutes: int
    departures_every_minutes: int


class RouteOut(BaseModel):
    origin: str
    destination: str
    operator: str
    duration_minutes: int = Field(description="The regular (or only) service's crossing time")
    service_classes: list[ServiceClassOut]

    @classmethod
    def of(cls, r: Route) -> RouteOut:
        return cls(
            origin=r.origin,
            destination=r.destination,
            operator=r.operator,
            duration_minutes=max(s.duration_minutes for s in r.services),
            service_classes=[
                ServiceClassOut(
                    service_class=s.name,
                    duration_minutes=s.duration_minutes,
                    departures_every_minutes=s.departures_every_minutes,
                )
                for s in r.services
            ],
        )


class FareLineOut(BaseModel):
    category: str = Field(description="passenger | vehicle")
    code: str = Field(description="adult | child | infant, or the vehicle's golongan")
    description: str
    quantity: int
    included_in_vehicle: int = Field(description="Passengers of this type riding in the vehicle for its fare")
    unit_price: str
    amount: str = Field(description="What this line costs: unit_price × those who pay their own fare")

    @classmethod
    def of(cls, f: FareLine) -> FareLineOut:
        description = (
            VEHICLE_CLASSES.get(f.code, f.code) if f.category == "vehicle" else f"{f.code} passenger"
        )
        return cls(
            category=f.category,
            code=f.code,
            description=description,
            quantity=f.quantity,
            included_in_vehicle=f.included_in_vehicle,
            unit_price=money(f.unit_price),
            amount=money(f.amount),
        )


class AvailabilityOut(BaseModel):
    seats_left: int
    lane_meters_left: str = Field(description="Vehicle deck space left, in lane metres")


class PartyOut(BaseModel):
    adults: int
    children: int
    infants: int


class OfferOut(BaseModel):
    offer_id: str
    sailing_id: str
    origin: str
    destination: str
    departure_at: str = Field(description="Local time at the origin port, with its offset")
    arrival_at: str = Field(description="Local time at the destination port, with its offset")
    duration_minutes: int
    service_class: str
    vessel: str
    operator: str
    passengers: PartyOut
    vehicle_class: str | None
    total_price: str
    currency: str
    fare_breakdown: list[FareLineOut]
    availability: AvailabilityOut

    @classmethod
    def of(cls, o: Offer) -> OfferOut:
        s = o.sailing
        return cls(
            offer_id=o.offer_id,
            sailing_id=s.sailing_id,
            origin=s.origin,
            destination=s.destination,
            departure_at=s.departure_at.isoformat(),
            arrival_at=s.arrival_at.isoformat(),
            duration_minutes=s.duration_minutes,
            service_class=s.service_class,
            vessel=s.vessel,
            operator=s.operator,
            passengers=PartyOut(adults=o.party.adults, children=o.party.children, infants=o.party.infants),
            vehicle_class=o.vehicle_class,
            total_price=money(o.total_price),
            currency=o.currency,
            fare_breakdown=[FareLineOut.of(f) for f in s.fares],
            availability=AvailabilityOut(
                seats_left=s.seats_left, lane_meters_left=f"{s.lane_meters_left:.1f}"
            ),
        )


class SearchOut(BaseModel):
    offers: list[OfferOut]
    cached: bool = Field(description="true when served from the search cache")

    @classmethod
    def of(cls, r: SearchResult) -> SearchOut:
        return cls(offers=[OfferOut.of(o) for o in r.offers], cached=r.cached)
