"""Opaque offer ids: urlsafe base64 of {"v":1,"s":supplier,"r":supplier reference[, "h": digest]}.

Amadeus numbers its offers per search ("1", "2", …), so its ids carry a short digest of the
offer too; the id stays deterministic, so a repeated search yields the same ids.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from domain.errors import OfferNotFound


@dataclass(frozen=True)
class OfferRef:
    supplier: str
    reference: str
    digest: str | None = None


def encode_offer_id(supplier: str, reference: str, digest: str | None = None) -> str:
    body: dict[str, object] = {"v": 1, "s": supplier, "r": reference}
    if digest:
        body["h"] = digest
    raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_offer_id(offer_id: str) -> OfferRef:
    if not offer_id or len(offer_id) > 512:
        raise OfferNotFound("Unknown offer.")
    try:
        padded = offer_id + "=" * (-len(offer_id) % 4)
        body = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise OfferNotFound("Unknown offer.") from exc
    if not isinstance(body, dict) or body.get("v") != 1:
        raise OfferNotFound("Unknown offer.")
    supplier, reference, digest = body.get("s"), body.get("r"), body.get("h")
    if not isinstance(supplier, str) or not isinstance(reference, str):
        raise OfferNotFound("Unknown offer.")
    return OfferRef(supplier, reference, digest if isinstance(digest, str) else None)
