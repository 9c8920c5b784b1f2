"""Transport rules every supplier adapter shares: timeouts and transport failures become
SupplierUnavailable, bodies that are not the JSON object the contract promises too."""

from __future__ import annotations

import json
from typing import Any

import httpx

from domain.errors import SupplierTimeout, SupplierUnavailable


async def send(
    client: httpx.AsyncClient, supplier: str, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    try:
        return await client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise SupplierTimeout(supplier, "timed out") from exc
    except httpx.HTTPError as exc:
        raise SupplierUnavailable(supplier, f"transport error ({type(exc).__name__})") from exc


def json_object(response: httpx.Response, supplier: str) -> dict[str, Any]:
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError) as exc:
        raise SupplierUnavailable(supplier, f"malformed response (HTTP {response.status_code})") from exc
    if not isinstance(body, dict):
        raise SupplierUnavailable(supplier, f"malformed response (HTTP {response.status_code})")
    return body


def error_text(body: dict[str, Any], status: int) -> str:
    """Amadeus `{errors: [{code, title, detail}]}` and Duffel `{errors: [{code, title, message}]}`."""
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        parts = [str(first.get(k)) for k in ("code", "title", "detail", "message") if first.get(k)]
        return f"HTTP {status}: " + " ".join(parts)
    return f"HTTP {status}"


def error_codes(body: dict[str, Any]) -> set[str]:
    errors = body.get("errors")
    if not isinstance(errors, list):
        return set()
    return {str(e.get("code")) for e in errors if isinstance(e, dict) and e.get("code") is not None}
