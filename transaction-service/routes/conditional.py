"""Conditional reads (RFC 9110 §8.8.3, §13.1.2) and the `wait` preference (RFC 7240 §4.3): an
order's status is read with the ETag of its last answer, and the server may hold the request
until the order changes. Pure functions over header values."""

from __future__ import annotations

import hashlib
import re

# `wait=<delta-seconds>` among a Prefer header's comma-separated preferences (parameters after a
# semicolon belong to the preference before them). Malformed preferences are ignored, as the
# RFC asks of a server.
_WAIT = re.compile(r"^\s*wait\s*=\s*\"?(\d{1,9})\"?\s*$", re.IGNORECASE)


def entity_tag(body: bytes) -> str:
    """A strong ETag of the exact bytes of an answer."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


def none_match(if_none_match: str | None, etag: str) -> bool:
    """True when `If-None-Match` names `etag` (weak comparison, as the RFC asks for it) or is `*`."""
    if not if_none_match:
        return False
    for tag in if_none_match.split(","):
        tag = tag.strip()
        if tag == "*" or tag.removeprefix("W/") == etag:
            return True
    return False


def preferred_wait(prefer: str | None, longest: float) -> float:
    """The seconds the client prefers to wait for a change, at most `longest`; 0 when it asked
    for none (or asked in a form that cannot be read)."""
    if not prefer:
        return 0.0
    for preference in prefer.split(","):
        match = _WAIT.match(preference.split(";", 1)[0])
        if match:
            return min(float(match.group(1)), longest)
    return 0.0
