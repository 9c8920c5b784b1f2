"""The messages' columns as the service's SQL names and casts them (adapters/db.py) are the
table's, in its order, as adapters/tables.py declares it for the migrations."""

from __future__ import annotations

import re

from sqlalchemy.dialects import postgresql

from adapters.db import COLUMN_TYPES
from adapters.tables import notifications


def test_the_columns_and_their_casts_are_the_tables() -> None:
    declared = {
        column.name: re.sub(r"\(\d+\)", "", column.type.compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]
        for column in notifications.c
    }
    assert list(COLUMN_TYPES.items()) == list(declared.items())
