"""Midtrans notification signatures.

Midtrans signs every HTTP notification with
`signature_key = sha512(order_id + status_code + gross_amount + server_key).hexdigest()`, over
the strings exactly as they appear in the body (`"100000.00"`, never a re-formatted number).
"""

from __future__ import annotations

import hashlib
import hmac


def notification_signature(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    return hashlib.sha512(f"{order_id}{status_code}{gross_amount}{server_key}".encode()).hexdigest()


def signature_is_valid(
    order_id: str, status_code: str, gross_amount: str, signature_key: str, server_key: str
) -> bool:
    expected = notification_signature(order_id, status_code, gross_amount, server_key)
    # Constant time, so a forger cannot learn the signature byte by byte.
    return hmac.compare_digest(expected.encode(), signature_key.encode())
