"""Identity numbers sealed with AES-256-GCM: rotation by key id, bound to their owner, and a keyed
hash for equality search."""

from __future__ import annotations

import base64
import uuid

import pytest

from adapters.personal_data import PersonalDataCipher, PersonalDataKeyError, generate_key_text, parse_keys

OLD = generate_key_text("2025-01")
NEW = generate_key_text("2026-12")
HASH_KEY = base64.b64encode(b"\x01" * 32).decode()
SITI = uuid.uuid4()


def test_a_number_is_sealed_with_the_first_key_and_opens_again() -> None:
    cipher = PersonalDataCipher.from_text(f"{NEW},{OLD}", HASH_KEY)

    sealed = cipher.seal("3201234567893456", SITI, "id_number")

    assert sealed.key_id == "2026-12"
    assert b"3201234567893456" not in sealed.ciphertext
    assert cipher.open(sealed.ciphertext, sealed.key_id, SITI, "id_number") == "3201234567893456"
    # A fresh nonce each time: the same number never looks the same twice.
    assert cipher.seal("3201234567893456", SITI, "id_number").ciphertext != sealed.ciphertext


def test_rotation_keeps_old_values_readable_while_the_old_key_is_listed() -> None:
    before = PersonalDataCipher.from_text(OLD, HASH_KEY).seal("A1234567", SITI, "id_number")
    rotated = PersonalDataCipher.from_text(f"{NEW}\n{OLD}", HASH_KEY)

    assert rotated.open(before.ciphertext, before.key_id, SITI, "id_number") == "A1234567"
    assert rotated.seal("A1234567", SITI, "id_number").key_id == "2026-12"
    with pytest.raises(PersonalDataKeyError, match="no longer lists"):
        PersonalDataCipher.from_text(NEW, HASH_KEY).open(before.ciphertext, before.key_id, SITI, "id_number")


def test_a_ciphertext_moved_to_another_person_or_altered_does_not_open() -> None:
    cipher = PersonalDataCipher.from_text(NEW, HASH_KEY)
    sealed = cipher.seal("3201234567893456", SITI, "id_number")

    with pytest.raises(PersonalDataKeyError):
        cipher.open(sealed.ciphertext, sealed.key_id, uuid.uuid4(), "id_number")
    tampered = sealed.ciphertext[:-1] + bytes([sealed.ciphertext[-1] ^ 1])
    with pytest.raises(PersonalDataKeyError):
        cipher.open(tampered, sealed.key_id, SITI, "id_number")


def test_the_lookup_hash_is_keyed_and_ignores_case_and_spaces() -> None:
    cipher = PersonalDataCipher.from_text(NEW, HASH_KEY)
    other_key = PersonalDataCipher.from_text(NEW, base64.b64encode(b"\x02" * 32).decode())

    assert cipher.lookup_hash("a1234567") == cipher.lookup_hash(" A1234567 ")
    assert cipher.lookup_hash("A1234567") != other_key.lookup_hash("A1234567")
    assert cipher.lookup_hash("A1234567") != cipher.lookup_hash("A1234568")
    assert cipher.seal("A1234567", SITI, "id_number").lookup_hash == cipher.lookup_hash("A1234567")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "no-colon",
        "bad id!:" + base64.b64encode(b"k" * 32).decode(),
        "short:" + base64.b64encode(b"k" * 16).decode(),
        "notbase64:!!!!",
        f"{NEW},{NEW}",
    ],
)
def test_unusable_keys_are_refused(text: str) -> None:
    with pytest.raises(PersonalDataKeyError):
        parse_keys(text)


def test_a_short_hash_key_is_refused() -> None:
    with pytest.raises(PersonalDataKeyError, match="PERSONAL_DATA_HASH_KEY"):
        PersonalDataCipher.from_text(NEW, base64.b64encode(b"h" * 8).decode())
