"""The unit of work's SQL (adapters/statements.py) names the tables' columns by hand: they must be
the ones the migrations create (adapters/tables.py), or a row would come back short, or a column
be left out of an insert."""

from __future__ import annotations

import re

from sqlalchemy import Table

from adapters.db import MUTABLE_COLUMNS
from adapters.statements import (
    ADD_CHARGE,
    ADD_NOTIFICATION,
    ADD_REFUND,
    CHARGE,
    CHARGE_LOCKED,
    REFUND,
    SAVE_CHARGE,
)
from adapters.tables import charges, notifications, refunds
from shared.db import Statement


def columns(table: Table) -> tuple[str, ...]:
    return tuple(column.name for column in table.c)


def selected(statement: Statement) -> tuple[str, ...]:
    match = re.search(r"SELECT(.*?)FROM", statement.sql, re.DOTALL)
    assert match is not None
    return tuple(name.strip() for name in match.group(1).split(","))


def test_a_charge_is_read_and_inserted_whole() -> None:
    assert selected(CHARGE) == selected(CHARGE_LOCKED) == columns(charges)
    assert ADD_CHARGE.names == columns(charges)


def test_a_saved_charge_sets_its_mutable_columns() -> None:
    assert set(SAVE_CHARGE.names) == {*MUTABLE_COLUMNS, "charge_id"}


def test_a_notification_is_inserted_whole_but_for_its_reduction() -> None:
    assert ADD_NOTIFICATION.names == tuple(name for name in columns(notifications) if name != "reduced_at")


def test_a_refund_is_read_and_inserted_whole() -> None:
    assert selected(REFUND) == ADD_REFUND.names == columns(refunds)
