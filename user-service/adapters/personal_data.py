"""Identity numbers (NIK, passport numbers) encrypted at rest with AES-256-GCM.

Indonesia's personal data protection law (UU PDP) counts them as specific personal data: a copy
of the database, a backup or a log of a query must not reveal them. Each value is stored as
nonce + ciphertext + tag, with the id of the key that encrypted it beside it, so that keys can
rotate: a new key goes first in PERSONAL_DATA_KEYS and encrypts from then on, the old ones stay
listed until every row has been rewritten. The user id is bound in as associated data, so a
ciphertext copied onto another person's row does not decrypt.

Equality search ("which profile has this NIK?") uses a keyed hash (HMAC-SHA256) under its own
key: without the key, the 16 digits of a NIK are too few to resist guessing a plain hash.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32  # AES-256
_NONCE_BYTES = 12  # GCM's standard nonce; random per value (2^32 values per key stay far below the bound)
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,32}$")


class PersonalDataKeyError(ValueError):
    """The configured keys are unusable, or a stored value names a key that is not configured."""


@dataclass(frozen=True)
class Sealed:
    """An encrypted value as stored: ciphertext (nonce first), its key id, and its keyed hash."""

    ciphertext: bytes
    key_id: str
    lookup_hash: bytes


def parse_keys(text: str) -> tuple[str, dict[str, bytes]]:
    """`key-id:base64-key` entries, separated by commas or new lines; the first one encrypts."""
    keys: dict[str, bytes] = {}
    active = ""
    for entry in re.split(r"[,\n]", text):
        entry = entry.strip()
        if not entry:
            continue
        key_id, sep, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not sep or not _KEY_ID.match(key_id):
            raise PersonalDataKeyError("PERSONAL_DATA_KEYS entries look like key-id:base64-of-32-bytes")
        if key_id in keys:
            raise PersonalDataKeyError(f"PERSONAL_DATA_KEYS lists the key id {key_id!r} twice")
        keys[key_id] = _decode(encoded, "PERSONAL_DATA_KEYS", exact=True)
        active = active or key_id
    if not keys:
        raise PersonalDataKeyError("PERSONAL_DATA_KEYS has no key")
    return active, keys


def parse_hash_key(text: str) -> bytes:
    return _decode(text, "PERSONAL_DATA_HASH_KEY", exact=False)


def _decode(encoded: str, name: str, *, exact: bool) -> bytes:
    try:
        raw = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PersonalDataKeyError(f"{name} keys must be base64") from exc
    if (exact and len(raw) != KEY_BYTES) or len(raw) < KEY_BYTES:
        raise PersonalDataKeyError(f"{name} keys must be {KEY_BYTES} random bytes, base64-encoded")
    return raw


def generate_key_text(key_id: str) -> str:
    """A fresh `key-id:base64` entry (what devstack writes, and what an operator adds to rotate)."""
    return f"{key_id}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"


class PersonalDataCipher:
    def __init__(self, active_key_id: str, keys: Mapping[str, bytes], hash_key: bytes) -> None:
        if active_key_id not in keys:
            raise PersonalDataKeyError(f"the active key {active_key_id!r} is not among the keys")
        self._active = active_key_id
        self._keys = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._hash_key = hash_key

    @classmethod
    def from_text(cls, keys: str, hash_key: str) -> PersonalDataCipher:
        active, parsed = parse_keys(keys)
        return cls(active, parsed, parse_hash_key(hash_key))

    @property
    def active_key_id(self) -> str:
        return self._active

    def seal(self, value: str, owner: UUID, field: str) -> Sealed:
        nonce = os.urandom(_NONCE_BYTES)
        ciphertext = self._keys[self._active].encrypt(nonce, value.encode(), _context(owner, field))
        return Sealed(nonce + ciphertext, self._active, self.lookup_hash(value))

    def open(self, ciphertext: bytes, key_id: str, owner: UUID, field: str) -> str:
        aead = self._keys.get(key_id)
        if aead is None:
            raise PersonalDataKeyError(
                f"a stored {field} was encrypted with key {key_id!r}, "
                "which PERSONAL_DATA_KEYS no longer lists"
            )
        try:
            plain = aead.decrypt(ciphertext[:_NONCE_BYTES], ciphertext[_NONCE_BYTES:], _context(owner, field))
        except InvalidTag as exc:
            raise PersonalDataKeyError(f"a stored {field} does not decrypt with key {key_id!r}") from exc
        return plain.decode()

    def lookup_hash(self, value: str) -> bytes:
        # Passport letters are compared case-insensitively, as people type them either way.
        return hmac.new(self._hash_key, value.strip().upper().encode(), hashlib.sha256).digest()


def _context(owner: UUID, field: str) -> bytes:
    return f"tiketq-user:{field}:{owner}".encode()
