from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.tables import metadata
from testkit.migrations import assert_stairway
from testkit.postgres import alembic
from tests.conftest import PERSONAL_DATA_HASH_KEY, PERSONAL_DATA_KEYS, cipher_for_tests


def test_every_migration_goes_up_and_down(service_dir: Path, make_database: Callable[[str], str]) -> None:
    assert assert_stairway(service_dir, make_database("user_stairway")) == [
        "0001_profiles",
        "0002_encrypt_id_numbers",
        "0003_message_preferences",
        "0004_time_zone",
    ]


async def test_the_migrations_build_exactly_the_tables_the_code_uses(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"version_table": "alembic_version_user"}), metadata
            )
        )
    assert differences == []


async def execute(url: str, statement: str, *args: object) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url)
    try:
        return list(await connection.fetch(statement, *args))
    finally:
        await connection.close()


async def test_existing_identity_numbers_are_encrypted_by_the_upgrade_and_restored_by_the_downgrade(
    service_dir: Path, make_database: Callable[[str], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = make_database("user_encrypt")
    alembic(service_dir, url, "upgrade", "0001_profiles")
    people = {uuid.uuid4(): "3201234567893456", uuid.uuid4(): "A1234567", uuid.uuid4(): None}
    for user_id, number in people.items():
        await execute(
            url,
            "INSERT INTO profiles (user_id, email, id_number, created_at, updated_at) "
            "VALUES ($1, $2, $3, now(), now())",
            user_id,
            f"{user_id.hex[:8]}@example.com",
            number,
        )

    # Rows hold numbers: without keys the upgrade stops rather than leave them in plain text.
    monkeypatch.delenv("PERSONAL_DATA_KEYS", raising=False)
    monkeypatch.delenv("PERSONAL_DATA_HASH_KEY", raising=False)
    with pytest.raises(subprocess.CalledProcessError):
        alembic(service_dir, url, "upgrade", "head")

    monkeypatch.setenv("PERSONAL_DATA_KEYS", PERSONAL_DATA_KEYS)
    monkeypatch.setenv("PERSONAL_DATA_HASH_KEY", PERSONAL_DATA_HASH_KEY)
    alembic(service_dir, url, "upgrade", "head")

    columns = {r["column_name"] for r in await execute(url, COLUMNS_OF_PROFILES)}
    assert "id_number" not in columns
    rows = {
        r["user_id"]: r
        for r in await execute(
            url, "SELECT user_id, id_number_ciphertext, id_number_key_id, id_number_hash FROM profiles"
        )
    }
    cipher = cipher_for_tests()
    for user_id, number in people.items():
        row = rows[user_id]
        if number is None:
            assert (row["id_number_ciphertext"], row["id_number_key_id"], row["id_number_hash"]) == (
                None,
            ) * 3
            continue
        assert number.encode() not in row["id_number_ciphertext"]
        assert row["id_number_key_id"] == "test-2026"  # the first key listed encrypts
        assert (
            cipher.open(row["id_number_ciphertext"], row["id_number_key_id"], user_id, "id_number") == number
        )
        assert row["id_number_hash"] == cipher.lookup_hash(number)

    alembic(service_dir, url, "downgrade", "0001_profiles")
    restored = {
        r["user_id"]: r["id_number"] for r in await execute(url, "SELECT user_id, id_number FROM profiles")
    }
    assert restored == people


COLUMNS_OF_PROFILES = "SELECT column_name FROM information_schema.columns WHERE table_name = 'profiles'"
