"""The JSONB columns of the tables the unit of work writes and reads, by name, and how their values
cross asyncpg: as JSON text both ways (asyncpg's own codec), a value sent as `json.dumps(value)`
(None too, as the JSON `null`) and read back with `json.loads`.

No two of these tables have a column of the same name where one is JSONB and the other is not,
so a name is enough; tests/unit/test_json_columns.py holds this list to adapters/tables.py.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

JSON_COLUMNS = frozenset(
    {
        "booking_details",  # orders
        "line_items",  # orders
        "booking",  # orders
        "ending",  # orders
        "metadata",  # transactions
        "gateway_response",  # payments
        "payload",  # outbox, work_queue
    }
)


def encoded(column: str, value: Any) -> Any:
    """`value` as the parameter for `column`: JSON text for a JSONB column."""
    return json.dumps(value) if column in JSON_COLUMNS else value


def decoded(record: Mapping[str, Any]) -> dict[str, Any]:
    """A row by column name, its JSONB columns decoded."""
    row = dict(record.items())
    for name in JSON_COLUMNS.intersection(row):
        if isinstance(row[name], str):
            row[name] = json.loads(row[name])
    return row
