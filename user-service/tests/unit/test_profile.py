from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from domain.errors import InvalidProfileData
from domain.models import Actor, Profile, ProfileChanges

NOW = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)


def make_profile(**details: object) -> Profile:
    return Profile.register(uuid4(), "Siti@Example.com", NOW, ProfileChanges(**details))  # type: ignore[arg-type]


def test_a_new_profile_has_the_lower_case_email_and_indonesian_nationality() -> None:
    profile = make_profile()
    assert profile.email == "siti@example.com"
    assert profile.nationality == "ID"
    assert profile.full_name is None
    assert profile.created_at == profile.updated_at == NOW


def test_a_partial_update_changes_only_the_fields_sent_and_normalises_them() -> None:
    profile = make_profile(full_name="Siti Rahayu", address="Jl. Sudirman 1")
    later = NOW + timedelta(hours=1)
    assert profile.update(ProfileChanges(phone="0812-3456-7890", nationality="sg"), later)
    assert profile.phone == "+6281234567890"
    assert profile.nationality == "SG"
    assert profile.full_name == "Siti Rahayu"
    assert profile.address == "Jl. Sudirman 1"
    assert profile.updated_at == later
    assert profile.created_at == NOW


def test_null_clears_an_optional_field() -> None:
    profile = make_profile(phone="081234567890", id_number="A1234567")
    profile.update(ProfileChanges(phone=None, id_number=None), NOW)
    assert profile.phone is None
    assert profile.id_number is None


def test_an_update_that_changes_nothing_keeps_updated_at() -> None:
    profile = make_profile(phone="+6281234567890")
    assert not profile.update(ProfileChanges(phone="0812-3456-7890"), NOW + timedelta(days=1))
    assert profile.updated_at == NOW


def test_an_invalid_value_leaves_the_profile_untouched() -> None:
    profile = make_profile(full_name="Siti Rahayu")
    with pytest.raises(InvalidProfileData):
        profile.update(ProfileChanges(full_name="Budi", date_of_birth=date(2030, 1, 1)), NOW)
    assert profile.full_name == "Siti Rahayu"
    assert profile.date_of_birth is None


def test_the_birth_date_is_checked_against_the_day_of_the_change() -> None:
    profile = make_profile()
    with pytest.raises(InvalidProfileData, match="future"):
        profile.update(ProfileChanges(date_of_birth=date(2025, 6, 2)), NOW)


def test_only_admins_see_the_full_id_number() -> None:
    profile = make_profile(id_number="3201234567893456")
    owner = Actor(profile.user_id, is_admin=False)
    admin = Actor(uuid4(), is_admin=True)
    assert profile.id_number_for(owner) == "************3456"
    assert profile.id_number_for(admin) == "3201234567893456"


def test_people_may_see_their_own_profile_and_admins_everyones() -> None:
    mine, other = uuid4(), uuid4()
    assert Actor(mine, is_admin=False).may_see(mine)
    assert not Actor(mine, is_admin=False).may_see(other)
    assert Actor(mine, is_admin=True).may_see(other)


def test_times_are_in_wib_until_the_person_chooses_another_indonesian_zone() -> None:
    profile = make_profile()
    assert profile.time_zone == "Asia/Jakarta"
    assert profile.update(ProfileChanges(time_zone=" Asia/Makassar "), NOW + timedelta(hours=1))
    assert profile.time_zone == "Asia/Makassar"
    for zone in ("Asia/Singapore", "UTC", "WIT"):
        with pytest.raises(InvalidProfileData, match="Asia/Jayapura"):
            profile.update(ProfileChanges(time_zone=zone), NOW)
    assert profile.time_zone == "Asia/Makassar"
