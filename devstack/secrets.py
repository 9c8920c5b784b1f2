"""Development secrets, generated into `secrets/` when absent and never committed.

The same file names serve docker compose (as docker secrets) and `make dev` (as `*_FILE` vars).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

DEFAULT_ADMIN_EMAIL = "admin@tiketq.id"


@dataclass(frozen=True)
class DevSecrets:
    directory: Path

    @property
    def internal_token(self) -> Path:
        return self.directory / "internal_token.txt"

    @property
    def jwt_private_key(self) -> Path:
        return self.directory / "jwt_private_key.pem"

    @property
    def admin_password(self) -> Path:
        return self.directory / "bootstrap_admin_password.txt"

    @property
    def midtrans_server_key(self) -> Path:
        """The sandbox's Midtrans server key; payment-service signs in with it and checks the
        notifications' signature_key with it. Production uses the merchant's real key."""
        return self.directory / "midtrans_server_key.txt"

    @property
    def payment_webhook_secret(self) -> Path:
        """HMAC key of the events payment-service sends transaction-service."""
        return self.directory / "payment_webhook_secret.txt"

    @property
    def db_user(self) -> Path:
        return self.directory / "db_user.txt"

    @property
    def db_password(self) -> Path:
        return self.directory / "db_password.txt"


def _write_secret(path: Path, content: bytes) -> None:
    """The folder is private (0700); the files are 0644 so that compose's bind-mounted secrets
    stay readable by the non-root users inside the containers."""
    if path.exists():
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


def ensure_dev_secrets(directory: Path) -> DevSecrets:
    found = DevSecrets(directory)
    _write_secret(found.internal_token, secrets.token_urlsafe(48).encode())
    _write_secret(found.admin_password, secrets.token_urlsafe(18).encode())
    _write_secret(found.db_user, b"tiketq")
    _write_secret(found.db_password, secrets.token_urlsafe(24).encode())
    _write_secret(found.midtrans_server_key, f"SB-Mid-server-{secrets.token_urlsafe(18)}".encode())
    _write_secret(found.payment_webhook_secret, secrets.token_urlsafe(48).encode())
    if not found.jwt_private_key.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_secret(found.jwt_private_key, pem)
    return found
