"""The SQL repositories against a real PostgreSQL. Each test works inside one unit of work it
never commits, so nothing it writes outlives it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg

from adapters.db import SqlUnitOfWork
from adapters.personal_data import PersonalDataCipher
from domain.models import Profile, ProfileChanges
from tests.conftest import PERSONAL_DATA_HASH_KEY, PERSONAL_DATA_KEYS, cipher_for_tests

NOW = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)


def new_profile(email: str | None = None, *, at: datetime = NOW, **details: object) -> Profile:
    user_id = uuid.uuid4()
    return Profile.register(
        user_id,
        email or f"{user_id.hex[:10]}@example.com",
        at,
        ProfileChanges(**details),  # type: ignore[arg-type]
    )


async def stored_row(uow: SqlUnitOfWork, profile: Profile) -> asyncpg.Record:
    """The profile's row as the database holds it, seen from inside the unit of work."""
    row = await uow.connection.fetchrow("SELECT * FROM profiles WHERE user_id = $1", profile.user_id)
    assert row is not None
    return row


async def test_a_profile_round_trips_with_every_field(pool: asyncpg.Pool) -> None:
    profile = new_profile(
        full_name="Siti Rahayu",
        phone="0812-3456-7890",
        date_of_birth=date(1990, 5, 17),
        nationality="id",
        id_number="3201234567893456",
        address="Jl. Sudirman 1, Jakarta",
    )
    async with SqlUnitOfWork(pool, cipher_for_tests()) as uow:
        assert await uow.profiles.add(profile)
        assert await uow.profiles.get(profile.user_id) == profile


async def test_adding_a_second_profile_for_an_account_inserts_nothing(
    pool: asyncpg.Pool,
) -> None:
    profile = new_profile(full_name="First")
    async with SqlUnitOfWork(pool, cipher_for_tests()) as uow:
        assert await uow.profiles.add(profile)
        again = Profile.register(
            profile.user_id, "other@example.com", NOW, ProfileChanges(full_name="Second")
        )
        assert not await uow.profiles.add(again)
        stored = await uow.profiles.get(profile.user_id)
        assert stored is not None
        assert stored.full_name == "First"


async def test_save_writes_changes_but_never_the_creation_time(
    pool: asyncpg.Pool,
) -> None:
    profile = new_profile()
    async with SqlUnitOfWork(pool, cipher_for_tests()) as uow:
        await uow.profiles.add(profile)
        loaded = await uow.profiles.get(profile.user_id, for_update=True)
        assert loaded is not None
        loaded.update(ProfileChanges(phone="+6281234567890"), NOW + timedelta(hours=1))
        loaded.created_at = NOW + timedelta(days=9)
        await uow.profiles.save(loaded)
        stored = await uow.profiles.get(profile.user_id)
        assert stored is not None
        assert stored.phone == "+6281234567890"
        assert stored.updated_at == NOW + timedelta(hours=1)
        assert stored.created_at == NOW


async def test_delete_reports_whether_there_was_a_profile(pool: asyncpg.Pool) -> None:
    profile = new_profile()
    async with SqlUnitOfWork(pool, cipher_for_tests()) as uow:
        await uow.profiles.add(profile)
        assert await uow.profiles.delete(profile.user_id)
        assert not await uow.profiles.delete(profile.user_id)
        assert await uow.profiles.get(profile.user_id) is None


async def test_nothing_is_kept_unless_the_unit_of_work_commits(
    pool: asyncpg.Pool,
) -> None:
    profile = new_profile()
    async with SqlUnitOfWork(pool, cipher_for_tests()) as uow:
        await uow.profiles.add(profile)
    async with SqlUnitOfWork(pool, cipher_for_tests()) as uow:
        assert await uow.profiles.get(profile.user_id) is None


async def test_search_matches_name_or_email_in_any_case_newest_first(
    pool: asyncpg.Pool,
) -> None:
    marker = uuid.uuid4().hex[:8]
    older = new_profile(at=NOW, full_name=f"Siti {marker} Rahayu")
    newer = new_profile(f"budi.{marker}@example.com", at=NOW + timedelta(minutes=1), full_name="Budi")
    unrelated = new_profile(at=NOW + timedelta(minutes=2), full_name="Someone Else")
    async with SqlUnitOfWork(pool, cipher_for_tests()) as uow:
        for profile in (older, newer, unrelated):
            await uow.profiles.add(profile)
        items, total = await uow.profiles.search(marker.upper(), limit=10, offset=0)
        assert [p.user_id for p in items] == [newer.user_id, older.user_id]
        assert total == 2
        page, total = await uow.profiles.search(marker, limit=1, offset=1)
        assert [p.user_id for p in page] == [older.user_id]
        assert total == 2


async def test_profiles_created_at_the_same_moment_are_ordered_by_id(
    pool: asyncpg.Pool,
) -> None:
    marker = uuid.uuid4().hex[:8]
    same_time = [new_profile(full_name=f"Twin {marker}") for _ in range(3)]
    async with SqlUnitOfWork(pool, cipher_for_tests()) as uow:
        for profile in same_time:
            await uow.profiles.add(profile)
        items, _ = await uow.profiles.search(marker, limit=10, offset=0)
        assert [p.user_id for p in items] == sorted(p.user_id for p in same_time)


async def test_search_wildcards_match_only_themselves(pool: asyncpg.Pool) -> None:
    marker = uuid.uuid4().hex[:8]
    literal = new_profile(full_name=f"{marker} 100% Asli_Name")
    async with SqlUnitOfWork(pool, cipher_for_tests()) as uow:
        await uow.profiles.add(literal)
        await uow.profiles.add(new_profile(full_name=f"{marker} 1000 AsliXName"))
        assert [p.user_id for p in (await uow.profiles.search(f"{marker} 100%", limit=10, offset=0))[0]] == [
            literal.user_id
        ]
        assert [p.user_id for p in (await uow.profiles.search("asli_", limit=100, offset=0))[0]] == [
            literal.user_id
        ]


async def test_identity_numbers_are_stored_encrypted_and_found_only_whole(
    pool: asyncpg.Pool,
) -> None:
    number = f"32{uuid.uuid4().int % 10**14:014d}"
    siti = new_profile(full_name="Siti Rahayu", id_number=number)
    async with SqlUnitOfWork(pool, cipher_for_tests()) as uow:
        await uow.profiles.add(siti)
        stored = await stored_row(uow, siti)
        # What a database dump would show: no trace of the number, the key id beside it.
        assert number.encode() not in stored["id_number_ciphertext"]
        assert number not in repr(dict(stored))
        assert stored["id_number_key_id"] == "test-2026"

        found, total = await uow.profiles.search(number, limit=10, offset=0)
        assert ([p.user_id for p in found], total) == ([siti.user_id], 1)
        assert found[0].id_number == number
        assert (await uow.profiles.search(number[:8], limit=10, offset=0))[1] == 0

        # Cleared: nothing of it stays behind.
        siti.update(ProfileChanges(id_number=None), NOW)
        await uow.profiles.save(siti)
        cleared = await stored_row(uow, siti)
        assert (cleared["id_number_ciphertext"], cleared["id_number_key_id"], cleared["id_number_hash"]) == (
            None,
            None,
            None,
        )


async def test_a_number_sealed_under_a_retired_key_still_reads_after_rotation(
    pool: asyncpg.Pool,
) -> None:
    old_only = PersonalDataCipher.from_text(PERSONAL_DATA_KEYS.split(",")[1], PERSONAL_DATA_HASH_KEY)
    budi = new_profile(id_number="B7654321")
    async with SqlUnitOfWork(pool, old_only) as uow:
        await uow.profiles.add(budi)
        await uow.commit()
    async with SqlUnitOfWork(pool, cipher_for_tests()) as uow:  # the new key listed first
        reread = await uow.profiles.get(budi.user_id, for_update=True)
        assert reread is not None
        assert reread.id_number == "B7654321"
        # Any save rewrites the number under the current key.
        reread.update(ProfileChanges(full_name="Budi Santoso"), NOW)
        await uow.profiles.save(reread)
        await uow.commit()
    async with SqlUnitOfWork(pool, cipher_for_tests()) as uow:
        row = await stored_row(uow, budi)
        assert row["id_number_key_id"] == "test-2026"
        await uow.profiles.delete(budi.user_id)
        await uow.commit()


async def test_an_event_id_is_recorded_once(pool: asyncpg.Pool) -> None:
    event_id = uuid.uuid4()
    async with SqlUnitOfWork(pool, cipher_for_tests()) as uow:
        assert await uow.processed_events.record(event_id, "account.registered")
        assert not await uow.processed_events.record(event_id, "account.registered")
