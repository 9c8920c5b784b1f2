"""Public response schemas of hotel browsing and their conversions from the domain."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from domain.models import (
    Destination,
    HotelAvailability,
    HotelDetails,
    HotelOffer,
    RoomDescription,
    SearchPage,
)
from shared.money import money_string


class DestinationOut(BaseModel):
    code: str = Field(description='Use as `destination` in a search: "DPS" (Bali) or a zone, "DPS-4" (Ubud).')
    name: str
    country: str

    @classmethod
    def of(cls, d: Destination) -> DestinationOut:
        return cls(code=d.code, name=d.name, country=d.country)


class LocationOut(BaseModel):
    latitude: str
    longitude: str
    zone: str
    destination: str
    utc_offset: str = Field(description='The hotel\'s local time: "+07:00" WIB, "+08:00" WITA, "+09:00" WIT.')


class PolicyOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    starts: datetime = Field(alias="from", description="In the hotel's local time, with its offset.")
    penalty: str = Field(description="What cancelling costs from then on (decimal string, IDR).")


class NightlyPriceOut(BaseModel):
    date: date
    price: str


class OfferOut(BaseModel):
    offer_id: str
    room: str
    board: str = Field(description="RO room only, BB bed and breakfast, HB half board.")
    board_name: str
    total_price: str = Field(description="The whole stay, every room, taxes included (decimal string).")
    currency: str = "IDR"
    nightly_prices: list[NightlyPriceOut]
    refundable: bool
    on_request: bool = Field(description="The hotel confirms the booking later (the order waits).")
    cancellation_policies: list[PolicyOut]

    @classmethod
    def of(cls, o: HotelOffer) -> OfferOut:
        return cls(
            offer_id=o.offer_id,
            room=o.room_name,
            board=o.board.value,
            board_name=o.board.label,
            total_price=money_string(o.total_price),
            nightly_prices=[
                NightlyPriceOut(date=n.day, price=money_string(n.price)) for n in o.nightly_prices
            ],
            refundable=o.refundable,
            on_request=o.on_request,
            cancellation_policies=[
                PolicyOut.model_validate({"from": p.starts, "penalty": money_string(p.penalty)})
                for p in o.policies
            ],
        )


def _offset(h: HotelAvailability | HotelDetails) -> str:
    seconds = int(h.hotel.utc_offset.total_seconds())
    sign = "+" if seconds >= 0 else "-"
    return f"{sign}{abs(seconds) // 3600:02d}:{abs(seconds) % 3600 // 60:02d}"


def _location(h: HotelAvailability | HotelDetails) -> LocationOut:
    hotel = h.hotel
    return LocationOut(
        latitude=str(hotel.latitude),
        longitude=str(hotel.longitude),
        zone=hotel.zone,
        destination=hotel.destination,
        utc_offset=_offset(h),
    )


class HotelOut(BaseModel):
    hotel_id: str
    name: str
    stars: int
    address: str
    location: LocationOut
    min_price: str
    currency: str = "IDR"
    offers: list[OfferOut]

    @classmethod
    def of(cls, h: HotelAvailability) -> HotelOut:
        return cls(
            hotel_id=h.hotel.hotel_id,
            name=h.hotel.name,
            stars=h.hotel.stars,
            address=h.hotel.address,
            location=_location(h),
            min_price=money_string(h.min_price),
            offers=[OfferOut.of(o) for o in h.offers],
        )


class SearchOut(BaseModel):
    hotels: list[HotelOut]
    total: int
    limit: int
    offset: int

    @classmethod
    def of(cls, page: SearchPage) -> SearchOut:
        return cls(
            hotels=[HotelOut.of(h) for h in page.hotels],
            total=page.total,
            limit=page.limit,
            offset=page.offset,
        )


class RoomOut(BaseModel):
    code: str
    name: str
    max_adults: int
    max_children: int
    max_guests: int


def _room(r: RoomDescription) -> RoomOut:
    return RoomOut(
        code=r.code,
        name=r.name.title(),
        max_adults=r.max_adults,
        max_children=r.max_children,
        max_guests=r.max_guests,
    )


class HotelDetailsOut(BaseModel):
    hotel_id: str
    name: str
    stars: int
    address: str
    description: str
    location: LocationOut
    boards: list[str]
    rooms: list[RoomOut]

    @classmethod
    def of(cls, d: HotelDetails) -> HotelDetailsOut:
        return cls(
            hotel_id=d.hotel.hotel_id,
            name=d.hotel.name,
            stars=d.hotel.stars,
            address=d.hotel.address,
            description=d.description,
            location=_location(d),
            boards=[b.value for b in d.boards],
            rooms=[_room(r) for r in d.rooms],
        )
