"""The checked-in openapi.json of a service must equal what its app generates.

`make openapi` (tools/export_openapi.py) writes the file; each service's test compares.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# Settings placeholders that let a service's app be built without a database or secrets;
# building the schema never connects to anything.
PLACEHOLDER_ENV = {
    "DATABASE_URL": "postgresql://openapi@localhost/openapi",
    "INTERNAL_TOKEN": "openapi-placeholder-internal-token-0000",
    "PAYMENT_WEBHOOK_SECRET": "openapi-placeholder-payment-webhook-secret-0000",
    "ACCOUNT_EVENTS_SECRET": "openapi-placeholder-account-events-secret-0000",
    "ORDER_EVENTS_SECRET": "openapi-placeholder-order-events-secret-00000",
    "ENVIRONMENT": "test",
}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def stale_message(schema: dict[str, Any], path: Path) -> str | None:
    """None when the file equals the schema; else how to fix it."""
    actual = path.read_text(encoding="utf-8") if path.exists() else ""
    if actual == render(schema):
        return None
    return f"{path.name} of {path.parent.name} is stale: run `make openapi` and commit the result"
