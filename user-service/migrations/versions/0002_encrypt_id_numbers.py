"""KTP and passport numbers encrypted at rest: ciphertext, key id and keyed hash replace the plain
column; existing numbers are encrypted on the way (and decrypted again by the downgrade).

Needs PERSONAL_DATA_KEYS and PERSONAL_DATA_HASH_KEY (or their _FILE) whenever a row holds a
number; an empty table migrates without them.

Revision ID: 0002_encrypt_id_numbers
Revises: 0001_profiles
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from adapters.personal_data import PersonalDataCipher
from config import PersonalDataSettings

revision: str = "0002_encrypt_id_numbers"
down_revision: str | None = "0001_profiles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The field name bound into each ciphertext (adapters/db.py writes the same).
FIELD = "id_number"


def _cipher() -> PersonalDataCipher:
    settings = PersonalDataSettings()
    if settings.keys is None or settings.hash_key is None:
        raise RuntimeError(
            "profiles hold identity numbers: set PERSONAL_DATA_KEYS and PERSONAL_DATA_HASH_KEY "
            "(or their _FILE variables) to encrypt them"
        )
    return PersonalDataCipher.from_text(
        settings.keys.get_secret_value(), settings.hash_key.get_secret_value()
    )


def upgrade() -> None:
    op.add_column("profiles", sa.Column("id_number_ciphertext", sa.LargeBinary(), nullable=True))
    op.add_column("profiles", sa.Column("id_number_key_id", sa.String(32), nullable=True))
    op.add_column("profiles", sa.Column("id_number_hash", sa.LargeBinary(32), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT user_id, id_number FROM profiles WHERE id_number IS NOT NULL")
    ).all()
    if rows:
        cipher = _cipher()
        for user_id, id_number in rows:
            sealed = cipher.seal(id_number, user_id, FIELD)
            connection.execute(
                sa.text(
                    "UPDATE profiles SET id_number_ciphertext = :ciphertext, id_number_key_id = :key_id, "
                    "id_number_hash = :lookup_hash WHERE user_id = :user_id"
                ),
                {
                    "ciphertext": sealed.ciphertext,
                    "key_id": sealed.key_id,
                    "lookup_hash": sealed.lookup_hash,
                    "user_id": user_id,
                },
            )
    op.drop_column("profiles", "id_number")
    op.create_check_constraint(
        "ck_profiles_id_number_sealed_whole",
        "profiles",
        "(id_number_ciphertext IS NULL) = (id_number_key_id IS NULL) "
        "AND (id_number_ciphertext IS NULL) = (id_number_hash IS NULL)",
    )
    op.create_index("ix_profiles_id_number_hash", "profiles", ["id_number_hash"])


def downgrade() -> None:
    op.add_column("profiles", sa.Column("id_number", sa.String(16), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT user_id, id_number_ciphertext, id_number_key_id FROM profiles "
            "WHERE id_number_ciphertext IS NOT NULL"
        )
    ).all()
    if rows:
        cipher = _cipher()
        for user_id, ciphertext, key_id in rows:
            connection.execute(
                sa.text("UPDATE profiles SET id_number = :id_number WHERE user_id = :user_id"),
                {"id_number": cipher.open(ciphertext, key_id, user_id, FIELD), "user_id": user_id},
            )
    op.drop_index("ix_profiles_id_number_hash", table_name="profiles")
    op.drop_constraint("ck_profiles_id_number_sealed_whole", "profiles", type_="check")
    op.drop_column("profiles", "id_number_hash")
    op.drop_column("profiles", "id_number_key_id")
    op.drop_column("profiles", "id_number_ciphertext")
