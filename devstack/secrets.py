"""Development secrets, generated into `secrets/` when absent and never committed.

The same file names serve docker compose (as docker secrets) and `make dev` (as `*_FILE` vars).
"""

from __future__ import annotations

import base64
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
    def xendit_secret_key(self) -> Path:
        """The sandbox's Xendit secret API key; payment-service signs in with it (Basic auth).
        Production uses the account's real key."""
        return self.directory / "xendit_secret_key.txt"

    @property
    def xendit_callback_token(self) -> Path:
        """The Xendit account's callback verification token: the sandbox sends it as
        x-callback-token, payment-service accepts only callbacks carrying it."""
        return self.directory / "xendit_callback_token.txt"

    @property
    def payment_webhook_secret(self) -> Path:
        """HMAC key of the events payment-service sends transaction-service."""
        return self.directory / "payment_webhook_secret.txt"

    @property
    def account_events_secret(self) -> Path:
        """HMAC key of the account events auth-service sends user-service (not INTERNAL_TOKEN,
        which every service holds)."""
        return self.directory / "account_events_secret.txt"

    @property
    def order_events_secret(self) -> Path:
        """HMAC key of the order events transaction-service sends notification-service."""
        return self.directory / "order_events_secret.txt"

    @property
    def personal_data_keys(self) -> Path:
        """user-service's AES-256-GCM keys for identity numbers, `key-id:base64` (the first
        encrypts; add a new one in front to rotate)."""
        return self.directory / "personal_data_keys.txt"

    @property
    def personal_data_hash_key(self) -> Path:
        """user-service's HMAC key for finding an identity number without decrypting."""
        return self.directory / "personal_data_hash_key.txt"

    @property
    def tls_certificate(self) -> Path:
        """nginx's certificate (PEM) under docker compose: self-signed for localhost here; in
        production the API domain's certificate. `make dev` itself serves plain HTTP."""
        return self.directory / "tls_certificate.pem"

    @property
    def tls_private_key(self) -> Path:
        return self.directory / "tls_private_key.pem"

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
    _write_secret(found.xendit_secret_key, f"xnd_development_{secrets.token_hex(24)}".encode())
    _write_secret(found.xendit_callback_token, secrets.token_urlsafe(36).encode())
    _write_secret(found.account_events_secret, secrets.token_urlsafe(48).encode())
    _write_secret(found.order_events_secret, secrets.token_urlsafe(48).encode())
    aes_key = base64.b64encode(secrets.token_bytes(32)).decode()
    _write_secret(found.personal_data_keys, f"dev-{secrets.token_hex(4)}:{aes_key}".encode())
    _write_secret(found.personal_data_hash_key, base64.b64encode(secrets.token_bytes(32)))
    if not found.tls_certificate.exists() or not found.tls_private_key.exists():
        certificate, private_key = self_signed_localhost_certificate()
        found.tls_certificate.unlink(missing_ok=True)
        found.tls_private_key.unlink(missing_ok=True)
        _write_secret(found.tls_private_key, private_key)
        _write_secret(found.tls_certificate, certificate)
    if not found.jwt_private_key.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        _write_secret(found.jwt_private_key, pem)
    return found


def self_signed_localhost_certificate(days: int = 365) -> tuple[bytes, bytes]:
    """(certificate, private key) as PEM: an ECDSA P-256 key (as the ECDHE-ECDSA suites nginx.conf
    prefers) and a certificate for localhost and 127.0.0.1 that is its own CA, so that `docker
    compose up` serves HTTPS out of the box and a client given the file trusts it and nothing else."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return certificate.public_bytes(serialization.Encoding.PEM), key_pem
