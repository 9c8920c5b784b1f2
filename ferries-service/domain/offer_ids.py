"""Offer ids: opaque to clients, but they name the sailing, the party and the vehicle class, so
the same sailing searched for the same party always has the same id (cache hits agree)."""

from __future__ import annotations

import base64
import binascii
import json

from domain.errors import OfferExpired
from domain.models import Party

VERSION = 1


def encode_offer_id(sailing_id: str, party: Party, vehicle_class: str | None) -> str:
    payload = {
        "s": sailing_id,
        "p": [party.adults, party.children, party.infants],
        "v": vehicle_class,
        "x": VERSION,
    }
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_offer_id(offer_id: str) -> tuple[str, Party, str | None]:
    """The sailing id, party and vehicle class an offer id names; OfferExpired for anything else."""
    try:
        raw = base64.urlsafe_b64decode(offer_id + "=" * (-len(offer_id) % 4))
        payload = json.loads(raw)
        adults, children, infants = (int(n) for n in payload["p"])
        sailing_id, vehicle = str(payload["s"]), payload["v"]
        if payload.get("x") != VERSION or (vehicle is not None and not isinstance(vehicle, str)):
            raise ValueError("unknown offer id version")
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise OfferExpired("This offer is unknown; search again.") from None
    return sailing_id, Party(adults, children, infants), vehicle
