"""booking_details rules: every broken rule reported at once, names and plates normalised."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.booking_rules import check_details, normalise_plate
from domain.errors import InvalidBooking
from domain.models import Offer, Party, Sailing

DEPARTURE = datetime(2026, 12, 20, 1, 0, tzinfo=UTC)


def offer(adults: int = 2, children: int = 0, infants: int = 0, vehicle: str | None = "IVA") -> Offer:
    sailing = Sailing(
        "MRKBKH-20261220-0800-REG",
        "MRK",
        "BKH",
        "regular",
        "KMP Legundi",
        "ASDP",
        DEPARTURE,
        DEPARTURE,
        150,
        False,
        True,
        300,
        Decimal(200),
        (),
        Decimal("481800.00"),
    )
    return Offer("offer-1", sailing, Party(adults, children, infants), vehicle)


def body(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "passengers": [
            {"type": "adult", "first_name": "  siti   nur ", "last_name": "rahayu"},
            {
                "type": "adult",
                "first_name": "Budi",
                "last_name": "Santoso",
                "id_number": "3171 0123 4567 8901",
            },
        ],
        "vehicle": {"class": "IVA", "plate_number": "b-1234-xyz"},
        "contact": {"email": "Siti@Example.ID", "phone": "0812-3456-7890"},
    }
    base.update(changes)
    return base


def problems(raw: Any, o: Offer) -> dict[str, str]:
    with pytest.raises(InvalidBooking) as caught:
        check_details(raw, o)
    return {p.field: p.message for p in caught.value.problems}


@pytest.mark.parametrize(
    ("raw", "plate"),
    [
        ("B 1234 XYZ", "B 1234 XYZ"),
        ("b1234xyz", "B 1234 XYZ"),
        ("DK-1-A", "DK 1 A"),
        (" ab 99 ", "AB 99"),
        ("L 1234", "L 1234"),
        ("1234 XYZ", None),
        ("B 12345 XY", None),
        ("B 1234 WXYZ", None),
        ("", None),
    ],
)
def test_plates_are_read_in_the_indonesian_format(raw: str, plate: str | None) -> None:
    assert normalise_plate(raw) == plate


def test_valid_details_are_normalised() -> None:
    details = check_details(body(), offer())
    assert [p.full_name for p in details.passengers] == ["Siti Nur Rahayu", "Budi Santoso"]
    assert details.passengers[1].id_number == "3171012345678901"
    assert details.vehicle is not None
    assert details.vehicle.plate_number == "B 1234 XYZ"
    assert details.contact.email == "siti@example.id"
    assert details.contact.phone == "+6281234567890"


def test_every_broken_rule_is_reported_at_once() -> None:
    raw = body(
        passengers=[{"type": "adult", "first_name": "", "last_name": "R2D2", "gender": "x", "seat": "1A"}],
        vehicle={"class": "II", "plate_number": "nope"},
        contact={"email": "not-an-email", "phone": "12"},
    )
    found = problems(raw, offer())
    assert set(found) == {
        "passengers.0.first_name",
        "passengers.0.last_name",
        "passengers.0.gender",
        "passengers.0.seat",
        "passengers",
        "vehicle.class",
        "vehicle.plate_number",
        "contact.email",
        "contact.phone",
    }
    assert "2 adult(s)" in found["passengers"]
    assert "golongan IVA" in found["vehicle.class"]


def test_the_vehicle_must_match_the_offer() -> None:
    assert "vehicle" in problems(body(vehicle=None), offer())
    assert "vehicle" in problems(body(), offer(vehicle=None))
    assert check_details(body(vehicle=None), offer(vehicle=None)).vehicle is None


def test_passenger_types_must_match_the_party() -> None:
    raw = body(
        passengers=[
            {"type": "adult", "first_name": "Siti", "last_name": "Rahayu"},
            {"type": "infant", "first_name": "Ayu", "last_name": "Rahayu"},
        ]
    )
    assert "passengers" in problems(raw, offer())
    assert len(check_details(raw, offer(adults=1, infants=1)).passengers) == 2


def test_a_bad_id_number_and_unknown_type_are_named() -> None:
    raw = body(
        passengers=[
            {"type": "elder", "first_name": "Siti", "last_name": "Rahayu", "id_number": "12"},
            {"type": "adult", "first_name": "Budi", "last_name": "Santoso"},
        ]
    )
    found = problems(raw, offer())
    assert {"passengers.0.type", "passengers.0.id_number"} <= set(found)


def test_details_that_are_not_an_object_are_refused() -> None:
    assert problems([], offer()) == {"": "booking_details is an object."}
    assert set(problems({"passengers": []}, offer())) == {"passengers", "vehicle", "contact"}
